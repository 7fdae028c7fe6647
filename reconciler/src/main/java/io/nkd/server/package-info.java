/**
 * The Ignition server: how a booting node gets its full config from nkd.
 *
 * <p>A provider puts a small pointer config into the machine's user-data
 * ({@link io.nkd.server.PointerConfigs}); the machine's Ignition fetches, over HTTPS, the node's pool config
 * and then its overlay from the {@link io.nkd.server.IgnitionServer}, which serves the exact bytes kept in
 * {@link io.nkd.server.IgnitionContent} to holders of a node token from {@link io.nkd.server.NodeTokens}.
 * TLS comes from nkd's own {@link io.nkd.server.ServingCa} or from the user's certificate
 * ({@link io.nkd.server.ServingIdentity#fromPemFiles}).
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Pinned bytes.</b> The pointer carries the SHA-512 of exactly the served bytes (the same bytes
 *       {@code nkd render} writes), so a node never runs a config other than the one its pointer was made
 *       for: a changed config is a new version id and URL, never new bytes under an old pointer. The
 *       exception is a rotated secret (same id, new bytes): the old pointer then fails its hash check and
 *       the node must get a new pointer, which it needs anyway for the new secret.</li>
 *   <li><b>Per-node tokens, stored hashed.</b> 256 random bits, URL-safe; the registry in each cluster's
 *       state keeps the SHA-256 only. A token opens its node's overlay and any retained version of its
 *       pool's config, nothing else: control-plane pool configs hold the cluster's CA keys, so a worker's
 *       user-data must not open them. Unknown, revoked and foreign tokens get the same 403; a valid token
 *       is checked before the version, so nothing is told to a caller without one. The registry is read
 *       on every request, so a revocation by another process applies at once.</li>
 *   <li><b>A separate serving CA</b>, store-wide under the pseudo-cluster {@code nkd-server}: nodes trust
 *       it before they belong to any cluster, and its lifetime is not tied to any cluster's CA. It is never
 *       regenerated silently (pointers in circulation trust it); the server certificate is issued at each
 *       start for that start's names. ECDSA P-256 throughout.</li>
 *   <li><b>Netty, not the JDK's HttpsServer</b> ({@link io.nkd.server.http.HttpListener}): the JDK server
 *       blocked a thread per connection (8 stalled TLS handshakes stopped all Ignition serving) and reached a
 *       tenth of nginx's throughput. Netty's native epoll transport and OpenSSL (BoringSSL) never block an I/O
 *       thread on a client, so a slowloris costs memory, not service; every limit (header, body, connections,
 *       rate, handshake/header/idle deadlines) applies to every connection; HTTP/2 through ALPN. Shutdown
 *       stops accepting, finishes requests whose header has arrived, then closes. Jetty 12 was the other
 *       candidate; with JDK TLS it reached about half of nginx on the same machine.</li>
 *   <li><b>Token checks on the I/O thread.</b> Checking a token reads the cluster's small token file; doing
 *       it where the request was decoded costs less than handing the request to another thread.</li>
  <li><b>Logs and metrics name, never quote.</b> Each request logs cluster, config kind and version, the
 *       token's pool and node, the status and the client address; never a header. Paths are parsed against
 *       an allow-list first, so nothing a client sends reaches a log line unchecked. Requests are counted in
 *       {@code nkd_ignition_requests_total{status}}; health checks are neither counted nor logged.</li>
 *   <li><b>Ignition's retries shape the statuses.</b> Ignition gives up at once on a 4xx and retries 5xx
 *       and connection errors (including TLS errors) until {@code timeouts.httpTotal}, which by default is
 *       unlimited: the right behaviour while nkd is briefly down (shutdown answers 503), and the reason a
 *       pointer with a wrong CA hangs a boot rather than failing it.</li>
 *   <li><b>No hidden time or randomness.</b> Keys, tokens, serials and TLS handshakes draw from an injected
 *       {@link java.security.SecureRandom}; certificate validity and token timestamps come from an injected
 *       {@link java.time.Clock}.</li>
 * </ul>
 */
package io.nkd.server;
