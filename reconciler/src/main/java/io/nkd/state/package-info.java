/**
 * The state store: per-cluster state that must never go into Git (generated PKI, tokens, applied
 * revisions, status). {@link io.nkd.state.StateStore} is the SPI; {@link io.nkd.state.LocalStateStore}
 * keeps state in a directory ({@code ROOT/clusters/<name>/…}).
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Names are allow-listed, not sanitised.</b> Cluster names are DNS-1123 labels; paths are
 *       '/'-separated segments of {@code [A-Za-z0-9._-]} not starting with '.'. Nothing can leave the
 *       root, the store's own dot-files cannot be named, and the same names are valid Kubernetes
 *       Secret/ConfigMap keys for the Kubernetes-backed store.</li>
 *   <li><b>Permissions: refuse an open root that holds files, tighten everything else.</b> A root that
 *       group or others can access is refused with the {@code chmod} to run unless it is empty: nkd does
 *       not chmod a directory of unknown use (a mistaken {@code --state-dir /var/lib}), and whether
 *       anything there leaked or was planted is for a human to judge. Directories below the root are
 *       nkd's own and are tightened to 0700 with a warning.</li>
 *   <li><b>Atomic replace, never in place.</b> Temporary file beside the target, created 0600, chmodded
 *       to its final mode, synced, renamed, directory synced. Directory deletes rename first. Leftovers
 *       are removed when a cluster is opened, under its lock (earlier, another writer's temporary file
 *       could be taken for one).</li>
 *   <li><b>Locks are the operating system's</b> ({@code FileChannel.tryLock}), so a crashed nkd leaves
 *       no stale lock; the pid/host/time in the lock file are diagnostics. A JVM-wide map guards against
 *       a second handle in the same process and keeps the store from opening a lock file this JVM holds:
 *       closing any descriptor of a file drops the process's POSIX locks on it (a test proves the store
 *       never does). Locks are not reentrant; waiting polls.</li>
 *   <li><b>Reads take no lock</b>: atomic replacement makes each file consistent on its own.</li>
 *   <li><b>Corruption is reported, never quoted</b>: messages give the file, line and column, the field
 *       path (names from the code, never map keys from the file) and advice chosen by the caller
 *       ({@link io.nkd.state.Recovery}), because only the caller knows whether nkd can regenerate a
 *       file. Jackson's exceptions are not chained: their messages quote the input.</li>
 *   <li><b>JSON evolution</b>: unknown fields fail (state is written only by nkd; dropping a newer nkd's
 *       field would lose it on the next write) unless a record opts in with
 *       {@code @JsonIgnoreProperties(ignoreUnknown = true)}; missing fields read as null/0/false so a
 *       newer nkd can read an older one's files.</li>
 * </ul>
 */
package io.nkd.state;
