// The floor under portcall's read path: a bare Node.js server that does only what any proxy of an inspect must
// (take the request, ask the daemon's socket on a kept-alive connection, parse its JSON, answer JSON), with no
// framework, authentication or mapping. It prints its port and serves on loopback until killed.
//   node bench/support/bare-proxy.mjs <daemon socket>
import { Agent, createServer, request } from "node:http";

const socketPath = process.argv[2];
const agent = new Agent({ keepAlive: true });

const server = createServer((req, res) => {
  const id = (req.url ?? "").split("/").pop();
  const upstream = request({ socketPath, path: `/containers/${id}/json`, agent }, (answer) => {
    const chunks = [];
    answer.on("data", (chunk) => chunks.push(chunk));
    answer.on("end", () => {
      const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(answer.statusCode ?? 502, { "Content-Type": "application/json" });
      res.end(body);
    });
  });
  upstream.on("error", () => {
    res.writeHead(502);
    res.end();
  });
  upstream.end();
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 }));
});
