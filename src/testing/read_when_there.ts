/** Reading a file a detached job writes, once it has. */
import { sleep } from "../core/timers.ts";

/** The file's text once it has some, or "" after about 5 s. */
export async function readWhenThere(path: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text) return text;
    await sleep(50);
  }
  return "";
}
