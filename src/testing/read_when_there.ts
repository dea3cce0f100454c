/** A file's text once it has some (a detached job writes it), or "" after about 5 s. */
export async function readWhenThere(path: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return "";
}
