package io.nkd.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The login user: NKD's {@code username} (default root), {@code password} (a crypt(3) hash NKD put into
 * Ignition) and {@code sshKey} (the path of a public key file; in the oldest format the key itself, per node).
 * Public keys may live in Git; the password hash never does: it becomes a secret reference.
 */
final class Users {
    /** NKD's default user (GetDefaultClusterConfig). */
    static final String NKD_DEFAULT_USER = "root";

    private final Ctx ctx;
    private final Set<String> names = new LinkedHashSet<>();
    private final Set<String> keys = new LinkedHashSet<>();
    private final Set<String> keyFiles = new LinkedHashSet<>();
    private final List<String> nameKeys = new ArrayList<>();
    private String passwordKey;
    private boolean plainPassword;
    private String sshKeyKey;

    Users(Ctx ctx) {
        this.ctx = ctx;
    }

    void fromTop(NkdMap top) {
        read(top);
    }

    void fromNode(NkdMap node) {
        read(node);
    }

    private void read(NkdMap m) {
        String name = m.text("username", "userName");
        if (name != null) {
            names.add(name);
            nameKeys.add(m.key("username", "userName"));
        }
        NkdMap.PasswordKind kind = m.passwordKind("password");
        if (kind != NkdMap.PasswordKind.NONE) {
            passwordKey = passwordKey == null ? generic(m.key("password")) : passwordKey;
            plainPassword |= kind == NkdMap.PasswordKind.PLAIN;
        }
        String ssh = m.text("sshKey");
        if (ssh != null) {
            sshKeyKey = sshKeyKey == null ? generic(m.key("sshKey")) : sshKeyKey;
            if (isPublicKey(ssh)) {
                keys.add(ssh);
            } else {
                keyFiles.add(ssh);
            }
        }
    }

    /** "master[2].password" → "master[].password": one item per key, not per node. */
    private static String generic(String key) {
        return key.replaceAll("\\[\\d+]", "[]");
    }

    static boolean isPublicKey(String s) {
        return s.matches("(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) \\S+.*");
    }

    /** spec.access, and the items about what could not be carried. */
    Map<String, Object> access(String cluster) {
        String name = names.isEmpty() ? NKD_DEFAULT_USER : names.iterator().next();
        if (names.size() > 1) {
            ctx.item(nameKeys.get(0), "the nodes log in as different users " + names + " but nkd creates the same users on "
                    + "every node", "the import uses " + name + "; add the others to spec.access.users if you need them");
        }
        List<String> authorized = new ArrayList<>(keys);
        for (String file : keyFiles) {
            Optional<String> content = ctx.options.publicKeyFiles().apply(file);
            List<String> found = content.map(Users::keysIn).orElse(List.of());
            if (found.isEmpty()) {
                ctx.item(sshKeyKey, "NKD names the public key file " + file + ", which the import could not read"
                        + (content.isPresent() ? " as an SSH public key" : ""), "paste the public key into "
                        + "spec.access.users[0].sshAuthorizedKeys (public keys are not secrets)");
            }
            authorized.addAll(found);
        }
        if (sshKeyKey == null) {
            ctx.item("sshKey", "not set, so NKD used the default public key of the user who ran it",
                    "add the public keys that may log in to spec.access.users[0].sshAuthorizedKeys");
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("name", name);
        if (!authorized.isEmpty()) {
            user.put("sshAuthorizedKeys", authorized.stream().distinct().toList());
        }
        if (passwordKey != null) {
            String secret = secretName(cluster, name);
            user.put("passwordHash", new YamlText.Flow(Map.of("name", secret)));
            ctx.item(passwordKey, "nkd never stores passwords in Git, so the value is not copied; the user's "
                    + "passwordHash refers to the secret " + secret + " instead", plainPassword
                    ? "the NKD value is not a crypt(3) hash: make one (openssl passwd -6) and write it to "
                    + "STATE_DIR/secrets/" + secret
                    : "write the crypt(3) hash from the NKD file to STATE_DIR/secrets/" + secret
                    + " (or drop passwordHash for key-only login)");
        }
        return Map.of("users", List.of(user));
    }

    /** A secret file name: letters, digits, '.', '_' and '-' (SecretRef's rule). */
    static String secretName(String cluster, String user) {
        return cluster + "-" + user.replaceAll("[^A-Za-z0-9._-]", "-") + "-password";
    }

    private static List<String> keysIn(String content) {
        return content.lines().map(String::strip).filter(Users::isPublicKey).toList();
    }
}
