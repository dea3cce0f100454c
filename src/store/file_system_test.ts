import assert from "node:assert/strict";
import {
  classifyMount,
  detectFileSystem,
  findMount,
  parseMacMount,
  parseMountinfo,
} from "./file_system.ts";

const captured = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/mountinfo/${name}`, import.meta.url));
const LOGIN = parseMountinfo(captured("cluster_login_node.txt"));

function fileSystemOf(path: string) {
  const mount = findMount(LOGIN, path);
  assert.ok(mount, `a mount for ${path}`);
  return classifyMount(mount);
}

Deno.test("parseMountinfo() reads every line of a login node's mount table", () => {
  assert.equal(LOGIN.length, 12);
  assert.deepEqual(LOGIN[0], {
    mountPoint: "/",
    fsType: "ext4",
    source: "/dev/sda2",
    options: ["rw", "relatime", "rw", "errors=remount-ro"],
  });
});

Deno.test("findMount() takes the longest mount point, not a prefix of a name", () => {
  assert.equal(fileSystemOf("/home/alice/.molq").fsType, "nfs4");
  assert.equal(fileSystemOf("/home/shared/x").fsType, "nfs");
  assert.equal(fileSystemOf("/homework").fsType, "ext4", "/home is no prefix of /homework");
  assert.equal(fileSystemOf("/home").fsType, "nfs4");
});

Deno.test("classifyMount() tells network file systems from local ones", () => {
  const cases: [string, string, boolean][] = [
    ["/home/a", "nfs4", true],
    ["/lustre/scratch/a", "lustre", true],
    ["/gpfs/projects/a", "gpfs", true],
    ["/mnt/beegfs/a", "beegfs", true],
    ["/mnt/remote/a", "fuse.sshfs", true],
    ["/cephfs/a", "ceph", true],
    ["/tmp/a", "tmpfs", false],
    ["/var/lib/a", "ext4", false],
    ["/var/lib/docker/overlay2/abc/merged/a", "overlay", false],
  ];
  for (const [path, type, network] of cases) {
    const info = fileSystemOf(path);
    assert.equal(info.fsType, type, path);
    assert.equal(info.network, network, path);
  }
});

Deno.test("parseMountinfo() unescapes spaces in mount points and sources", () => {
  const info = fileSystemOf("/mnt/my data/.molq");
  assert.equal(info.mountPoint, "/mnt/my data");
  assert.equal(info.source, "//nas/my data");
  assert.equal(info.network, true);
});

Deno.test("classifyMount() names mount options that make locks host-local", () => {
  assert.deepEqual(fileSystemOf("/home/a").hostLocalLocks, [], "local_lock=none is fine");
  assert.deepEqual(fileSystemOf("/home/shared/a").hostLocalLocks, ["nolock", "local_lock=all"]);
  assert.deepEqual(fileSystemOf("/lustre/project/a").hostLocalLocks, ["localflock"]);
  assert.deepEqual(fileSystemOf("/lustre/scratch/a").hostLocalLocks, [], "flock is cluster-wide");
});

Deno.test("parseMountinfo() skips odd lines instead of failing", () => {
  const odd = [
    "",
    "garbage",
    "1 2 3",
    "36 25 0:32 / relative rw - nfs4 x rw",
    "36 25 0:32 / /ok rw shared:1 - xfs /dev/sdb rw",
  ].join("\n");
  assert.deepEqual(parseMountinfo(odd).map((e) => e.mountPoint), ["/ok"]);
  assert.equal(findMount([], "/x"), undefined);
});

Deno.test("parseMountinfo() reads this machine's captured table", () => {
  const entries = parseMountinfo(captured("debian12_container.txt"));
  assert.ok(entries.length > 5);
  assert.ok(entries.some((entry) => entry.mountPoint === "/"));
});

Deno.test("parseMacMount() reads macOS mount lines; non-local volumes are network ones", () => {
  const entries = parseMacMount([
    "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)",
    "/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)",
    "//alice@nas/home on /Volumes/home (smbfs, nodev, nosuid, mounted by alice)",
    "fs01:/export on /Users/alice/hpc (nfs, nodev, nosuid)",
  ].join("\n"));
  assert.deepEqual(entries.map((e) => [e.mountPoint, e.fsType]), [
    ["/", "apfs"],
    ["/System/Volumes/Data", "apfs"],
    ["/Volumes/home", "smbfs"],
    ["/Users/alice/hpc", "nfs"],
  ]);
  assert.equal(findMount(entries, "/Users/alice/hpc/.molq")?.fsType, "nfs");
});

Deno.test("detectFileSystem() finds the file system of a real directory", () => {
  const info = detectFileSystem(Deno.makeTempDirSync());
  assert.ok(typeof info === "object", String(info));
  assert.ok(info.mountPoint.startsWith("/"));
  assert.equal(typeof detectFileSystem("/no/such/dir"), "string");
});
