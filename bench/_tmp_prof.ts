import { benchReconcile } from "./reconcile_bench.ts";
const r = await benchReconcile({ runs: 7, warmups: 1 }, [], [10_000]);
for (const x of r) console.log(x.name, x.value.toFixed(1), x.min?.toFixed(1), x.note);
