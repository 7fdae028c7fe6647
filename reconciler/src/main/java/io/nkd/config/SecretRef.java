package io.nkd.config;

import io.nkd.yaml.Doc;

/**
 * A reference to a secret kept outside Git: a file under the state directory's {@code secrets/} or an
 * environment variable of the nkd process. Exactly one of the two.
 */
@Doc("A secret kept outside Git: {name: X} reads STATE_DIR/secrets/X; {env: VAR} reads an environment variable.")
public record SecretRef(
        @Doc(value = "File name under the state directory's secrets/.", example = "openstack-credentials") String name,
        @Doc(value = "Environment variable of the nkd process.", example = "NKD_OPENSTACK_CREDENTIALS") String env) {
    public SecretRef {
        if ((name == null) == (env == null)) {
            throw new IllegalArgumentException("a secret reference needs exactly one of name or env");
        }
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("secret name \"" + name + "\" may contain only letters, digits, '.', '_' and '-'");
        }
    }

    @Override
    public String toString() {
        return name != null ? "secret " + name : "environment variable " + env;
    }
}
