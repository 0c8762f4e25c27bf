"""A python3-websockets client for agent-sim's /ws/chat: usage PORT TOKEN MESSAGES.

First tries the upgrade without a token ("unauthenticated STATUS"), then with the token sends
MESSAGES chat messages one after another, printing per reply
  "reply I first_ms=F last_ms=L types=chunk,chunk,...,done"
(times from the send, on the monotonic clock), then one message past the rate limit
("extra <frame>"), then closes with 1000: "close code=C reason=R"."""
import asyncio
import json
import sys
import time

import websockets


async def main(port, token, messages):
    url = f"ws://127.0.0.1:{port}/ws/chat"
    try:
        async with websockets.connect(url, open_timeout=5):
            print("unauthenticated 101", flush=True)
    except websockets.exceptions.InvalidStatusCode as refused:
        print(f"unauthenticated {refused.status_code}", flush=True)

    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, extra_headers=headers, open_timeout=5,
                                  ping_interval=None) as ws:
        for i in range(messages):
            sent = time.monotonic()
            await ws.send(json.dumps({"message": f"question {i}"}))
            first = None
            types = []
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                now = time.monotonic()
                if first is None:
                    first = now
                types.append(frame["type"])
                if frame["type"] != "chunk":
                    break
            print(f"reply {i} first_ms={(first - sent) * 1000:.1f} "
                  f"last_ms={(now - sent) * 1000:.1f} types={','.join(types)}", flush=True)
        await ws.send("one too many")
        print("extra", await asyncio.wait_for(ws.recv(), 5), flush=True)
        await ws.close(code=1000, reason="done")
        print(f"close code={ws.close_code} reason={ws.close_reason}", flush=True)


asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
