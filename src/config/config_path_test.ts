import assert from "node:assert/strict";
import { configLocation } from "./config_path.ts";

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

Deno.test("configLocation() prefers --config, then MOLQ_CONFIG, then the molq home", () => {
  const env = envOf({ HOME: "/home/u", MOLQ_CONFIG: "/etc/molq.toml" });
  assert.deepEqual(configLocation("/tmp/c.toml", env), { path: "/tmp/c.toml", source: "--config" });
  assert.deepEqual(configLocation(undefined, env), {
    path: "/etc/molq.toml",
    source: "MOLQ_CONFIG",
  });
  assert.deepEqual(configLocation(undefined, envOf({ HOME: "/home/u" })), {
    path: "/home/u/.molq/config.toml",
    source: "default",
  });
});

Deno.test("configLocation() follows MOLQ_HOME and ignores an empty MOLQ_CONFIG", () => {
  const env = envOf({ HOME: "/home/u", MOLQ_HOME: "/data/molq", MOLQ_CONFIG: "" });
  assert.deepEqual(configLocation(undefined, env), {
    path: "/data/molq/config.toml",
    source: "default",
  });
  assert.deepEqual(configLocation("", env).source, "default");
});
