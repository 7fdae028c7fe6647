/**
 * The state store in a Kubernetes namespace ({@code nkd serve --state kubernetes[:NAMESPACE]}): the same contract as
 * the local directory ({@link io.nkd.state.StateStore}; the shared behaviour is one test suite run against both),
 * with Kubernetes as the distributed engine.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>One object per file.</b> A file written {@code SECRET} is a Secret, the rest ConfigMaps, all in one namespace,
 *       labelled {@code app.kubernetes.io/managed-by=nkd} and {@code nkd.io/cluster=<name>}, annotated with the exact
 *       path ({@code nkd.io/path}), the writer and its lock term. The name is
 *       {@code nkd-<cluster>-<path made DNS-safe>-<12 hex of SHA-256(cluster/path)>} (readable in {@code kubectl get},
 *       unique by the hash), the single data key the file's own name. Why not one object per directory with encoded
 *       keys: a directory's files together can pass the 1 MiB object limit (the served Ignition blobs of a cluster
 *       are many versions of 8–12 KiB each as rendered from repo-layout/example, more with inline files), a write
 *       would rewrite its siblings and conflict with their writers, and a corrupt object would take a whole directory
 *       with it. Per file, a write is exactly one API call on one object, so a torn write is impossible (the API server
 *       stores an object whole or not at all), and a file of up to 1 MiB fits (larger is refused before any call,
 *       naming the file). Directories exist through the files in them, like keys in an object store.</li>
 *   <li><b>Bytes round-trip exactly.</b> Secrets carry base64 {@code data}; a ConfigMap carries UTF-8 text without
 *       control characters in {@code data} (readable with kubectl) and anything else in {@code binaryData}. Control
 *       characters go to binaryData because JSON escapes them as six bytes and the API server refuses requests over
 *       3 MiB.</li>
 *   <li><b>Sensitivity moves a file between kinds</b>: the new object is created first, then the old one deleted; a
 *       crash in between leaves both, readers take the newer (higher resourceVersion: etcd's revision, which only
 *       grows) and the next write or delete removes the other.</li>
 *   <li><b>Reads come from memory.</b> Two informers (ConfigMaps and Secrets with the managed-by label) keep the
 *       namespace's nkd objects decoded in memory; views read there without an API call (the Ignition server's token
 *       checks and NodeBootstrap, on every replica), and {@code version(path)} is the object's kind and resourceVersion
 *       so those hot paths cache what they parsed. Another replica's write arrives through the watch within a second
 *       (the test bounds it at two). Writes go through the API and their responses update the copy at once
 *       (read-your-writes); events are ordered by resourceVersion and deletes leave tombstones, so a late event never
 *       resurrects or rolls back a file. Memory: the whole namespace's state, a few hundred KiB per cluster.</li>
 *   <li><b>Taking a lock refreshes the copy.</b> The informers may still be behind the previous holder's last writes
 *       (another process, a second ago): {@code open} lists the cluster's objects once (two LISTs), so the new holder
 *       reads everything its predecessor wrote before it reads and writes.</li>
 *   <li><b>Locks are Leases</b> ({@code coordination.k8s.io/v1}, {@code nkd-lock-<cluster>}): holder identity
 *       {@code pid@host/handle} (each handle its own, so two handles in one process exclude each other and locks are not
 *       reentrant, as locally), 15 s duration renewed every 5 s. A holder stops writing 10 s after its last successful
 *       renewal (the renew deadline), before anyone else may take the lease; a handle whose lease was taken or not
 *       renewed in time refuses every call. A crashed holder's lease expires after its duration and the next process
 *       takes it over. {@link io.nkd.state.StateLockedException} names the holder (pid, host) and since when (the
 *       lease's acquireTime). Closing releases the lease (holder cleared), so a waiting process goes at once.</li>
 *   <li><b>Optimistic concurrency with lock terms.</b> Every update and delete carries the resourceVersion this process
 *       last saw; creates fail if the object appeared. A new holder's term is the lease's leaseTransitions, raised above
 *       every term written on the cluster's objects (a deleted Lease restarts the count; migrated state carries terms).
 *       Before a write, and after a 409 Conflict (re-read with a GET): a version written in an earlier term (a
 *       predecessor's write this copy had not seen) or by this very handle (two threads of one reconcile: the SPI
 *       promises one writer's complete version) is replaced, retried up to five times; a version written by another
 *       holder in this term or a later one means this process lost its lock, so the write fails naming that writer and
 *       overwrites nothing. Both count in {@code nkd_state_conflicts_total}.</li>
 *   <li><b>Damage stays local.</b> An object that does not decode (annotation missing, name not matching its path,
 *       extra keys, bad base64) is a fact about that one file: reading it throws
 *       {@link io.nkd.state.CorruptStateException} naming the object's API path and key
 *       ({@code namespaces/NS/configmaps/NAME/KEY}) with the caller's {@link io.nkd.state.Recovery} advice (a backup
 *       of the namespace instead of the directory), never its content; every other file and cluster reads on.</li>
 *   <li><b>Names are the local store's</b> ({@link io.nkd.state.StateSpi}: DNS-1123 cluster names, allow-listed path
 *       segments, which are valid data keys).</li>
 *   <li><b>Directory deletes</b> remove the files one by one (Kubernetes has no transaction over objects). Unlike the
 *       local store's rename, a crash part-way leaves the rest, which the next delete of the directory removes; nkd's
 *       callers delete single files.</li>
 *   <li><b>Errors</b> name the object, the namespace and what to do: RBAC denials the verb and resource to grant in the
 *       Role, a missing namespace the {@code kubectl create namespace} to run, an unreachable server its URL. The client
 *       given by {@code io.nkd.state.open.StateStores} retries twice, not fabric8's default ten times, so a failing
 *       call returns within the renew deadline.</li>
 *   <li><b>Metrics</b>: {@code nkd_state_request_duration_seconds{operation}} (every API call: get, list, create,
 *       update, delete, lease_*) and {@code nkd_state_conflicts_total}.</li>
 * </ul>
 */
package io.nkd.state.kube;
