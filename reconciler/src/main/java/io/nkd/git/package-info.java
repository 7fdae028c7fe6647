/**
 * The Git side of nkd: snapshots of a revision ({@link io.nkd.git.Snapshots}), following a config
 * repository ({@link io.nkd.git.RepoSource}, {@link io.nkd.git.RepoFollower}), signed-commit verification
 * ({@link io.nkd.git.CommitVerifier}), webhook authentication and parsing ({@link io.nkd.git.WebhookVerifier},
 * {@link io.nkd.git.WebhookPayloads}) and outcome notes ({@link io.nkd.git.GitNotes}).
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Poll cheaply, fetch rarely.</b> A poll is one ref advertisement ({@code ls-remote}); objects are
 *       fetched only when the advertised object differs from the last fetched one, which is kept in the
 *       clone ({@code refs/nkd/head}) so a restart does not refetch. Webhooks only make the poll happen
 *       sooner: nkd always resolves and fetches the revision itself.</li>
 *   <li><b>A force push is an outcome, not an error.</b> Whether to apply rewritten history is policy for
 *       the reconcile loop; the follower reports both commits and keeps the old one reachable
 *       ({@code refs/nkd/previous}) for the diff. Fetches are full, not shallow, for the ancestry test.</li>
 *   <li><b>Revision selection</b> is a branch (default {@code main}), a tag, a semver range over tags (a
 *       documented subset of npm's syntax, parsed here: exact, x-ranges, {@code ^}, {@code ~},
 *       comparators, hyphen ranges, {@code ||}; pre-releases only when asked for, as npm does), or a pinned
 *       commit (fetched by id, or by fetching all branches and tags when the server refuses that). A
 *       semver range no tag matches yet is "nothing selected", not an error; a missing branch or tag is.</li>
 *   <li><b>Nothing from the daemon user's home.</b> SSH uses only the configured key and known_hosts file
 *       (no {@code ~/.ssh/config}, no agent), host keys are checked strictly and never added; OpenPGP trust
 *       is only the configured keyring (JGit's own verifier reads {@code ~/.gnupg}, so BouncyCastle is
 *       used directly). HTTPS trusts the JVM's trust store.</li>
 *   <li><b>Secrets are sources, read at use.</b> Tokens, passwords and key passphrases come from a file
 *       or an environment variable, are read for each operation (a rotated token applies at the next poll)
 *       and wiped after it; configuration records print their source, never a value, and URLs with
 *       passwords are refused because URLs are logged.</li>
 *   <li><b>Errors are a closed family</b> ({@link io.nkd.git.GitException}) whose members say whether
 *       waiting can help ({@code needsOperator()}): the reconcile loop backs off on a network failure and
 *       stalls with the message on a rejected credential, an unknown host key or a missing ref.</li>
 *   <li><b>Verdicts and note results are values.</b> An unsigned or untrusted commit is a
 *       {@link io.nkd.git.SignatureVerdict.Rejected} with a reason; a note that cannot be pushed is a
 *       {@link io.nkd.git.NoteResult.PushFailed}: neither may break a reconcile. Notes pushed by others are
 *       merged, never overwritten.</li>
 *   <li><b>Webhook checks are constant-time</b> and over the raw body bytes. GitLab sends its secret
 *       instead of a signature, which authenticates the sender but not the body; harmless here, since a
 *       webhook only triggers a poll.</li>
 * </ul>
 */
package io.nkd.git;
