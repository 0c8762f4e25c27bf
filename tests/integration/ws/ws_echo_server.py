"""A WebSocket echo server on python3-websockets (Debian's 10.4 API): every message comes back
as it came (text as text, bytes as binary); the text "close please" makes the server close
with 1000 instead. Prints "listening on 127.0.0.1:PORT" once it accepts connections."""
import asyncio

import websockets


async def echo(websocket, path=None):
    async for message in websocket:
        if message == "close please":
            await websocket.close(code=1000, reason="server says bye")
            return
        await websocket.send(message)


async def main():
    # No pings of its own: the test's pings are the only ones on the wire.
    async with websockets.serve(echo, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
