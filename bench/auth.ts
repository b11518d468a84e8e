// What authentication costs per request: a public route against authenticated ones, side by side in one run.
// Reports ratios, not absolute times (the machines are noisy). Bounded: ROUNDS x BATCH requests per variant.
//   npm run bench:auth
import { testApp } from "../test/support/app.js";

const ROUNDS = 10;
const BATCH = 500;

const app = await testApp();
const token = await app.token(["hosts:read"]);
const fresh = await Promise.all(Array.from({ length: ROUNDS * BATCH }, () => app.token(["hosts:read"])));

type Variant = { name: string; request: (i: number) => Promise<Response> };
const variants: Variant[] = [
  { name: "public GET /healthz", request: () => app.request("/healthz", { headers: { Authorization: "" } }) },
  {
    name: "GET /v1/hosts, one token (verified once, then cached; revocation read every time)",
    request: () => app.request("/v1/hosts", { headers: { Authorization: `Bearer ${token}` } }),
  },
  {
    name: "GET /v1/hosts, a new token each time (full EdDSA verification)",
    request: (i) => app.request("/v1/hosts", { headers: { Authorization: `Bearer ${fresh[i]}` } }),
  },
];

const totals = new Map<string, number>(variants.map((v) => [v.name, 0]));
let n = 0;
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, so drift in machine load hits every variant alike.
  for (const variant of variants) {
    const started = performance.now();
    for (let i = 0; i < BATCH; i++) {
      const res = await variant.request(n + i);
      if (res.status !== 200) throw new Error(`${variant.name}: HTTP ${res.status}`);
    }
    totals.set(variant.name, (totals.get(variant.name) ?? 0) + performance.now() - started);
  }
  n += BATCH;
}

const baseline = (totals.get(variants[0]?.name ?? "") ?? 1) / (ROUNDS * BATCH);
console.log(`${ROUNDS * BATCH} requests per variant, in process (app.request)`);
for (const variant of variants) {
  const perRequest = (totals.get(variant.name) ?? 0) / (ROUNDS * BATCH);
  console.log(
    `${(perRequest / baseline).toFixed(2)}x  ${(perRequest * 1000).toFixed(0).padStart(5)} µs  ${variant.name}`,
  );
}
