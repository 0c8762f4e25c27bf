"""A WebSocket server on python3-websockets (Debian's 10.4 API) whose replies take a known time:
each message is answered, after DELAY_MS, by "part:<message>", then after DELAY_MS more by
"done:<message>". Prints "listening on 127.0.0.1:PORT" once it accepts connections."""
import asyncio
import sys

import websockets

DELAY_S = int(sys.argv[1]) / 1000.0


async def reply(websocket, path=None):
    async for message in websocket:
        await asyncio.sleep(DELAY_S)
        await websocket.send("part:" + message)
        await asyncio.sleep(DELAY_S)
        await websocket.send("done:" + message)


async def main():
    async with websockets.serve(reply, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
