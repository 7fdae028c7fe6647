package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import java.util.List;

/** Login users on every node. */
@Doc("Login users created on every node.")
public record Access(@Doc("Users.") List<User> users) {
    public Access {
        users = users == null ? List.of() : users;
    }

    @Doc("A login user.")
    public record User(
            @Required @Doc(value = "User name.", example = "core") String name,
            @Doc("SSH public keys (public keys are not secrets and may live in Git).") List<String> sshAuthorizedKeys,
            @Doc("Password hash (crypt(3) format) from a secret; omit for key-only login.") SecretRef passwordHash,
            @Doc("Supplementary groups.") List<String> groups) {
        public User {
            sshAuthorizedKeys = sshAuthorizedKeys == null ? List.of() : sshAuthorizedKeys;
            groups = groups == null ? List.of() : groups;
        }
    }
}
