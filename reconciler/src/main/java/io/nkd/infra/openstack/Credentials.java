package io.nkd.infra.openstack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How nkd signs in to Keystone v3: a user's password scoped to a project, or an application credential (which
 * carries its own project). Read from the keys of clouds.yaml's {@code auth:} section, whether they come from a
 * clouds.yaml entry or from nkd's state-directory secret (as JSON). The secret parts never appear in
 * {@link #toString()}, messages or logs.
 */
public sealed interface Credentials {
    /** The Keystone v3 URL, e.g. {@code https://keystone.example.com:5000/v3}. */
    String authURL();

    /** Who signs in, for messages: a user and project, or an application credential's ID or name. */
    String describe();

    /** A Keystone name or ID, with the domain a name lives in. */
    record Ref(String id, String name) {
        boolean isSet() {
            return id != null || name != null;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (id != null) {
                m.put("id", id);
            } else {
                m.put("name", name);
            }
            return m;
        }

        @Override
        public String toString() {
            return id != null ? id : name;
        }
    }

    /** A user's password, scoped to a project. */
    record Password(String authURL, Ref user, Ref userDomain, String password, Ref project, Ref projectDomain)
            implements Credentials {
        @Override
        public String describe() {
            return "user " + user + " in project " + project;
        }

        @Override
        public String toString() {
            return "Password[" + authURL + ", " + describe() + "]";
        }
    }

    /** An application credential (by ID, or by name with its user). */
    record ApplicationCredential(String authURL, Ref credential, Ref user, Ref userDomain, String secret)
            implements Credentials {
        @Override
        public String describe() {
            return "application credential " + credential;
        }

        @Override
        public String toString() {
            return "ApplicationCredential[" + authURL + ", " + describe() + "]";
        }
    }

    Set<String> KEYS = Set.of("auth_url", "username", "user_id", "password", "user_domain_name", "user_domain_id",
            "project_name", "project_id", "tenant_name", "tenant_id", "project_domain_name", "project_domain_id",
            "default_domain_name", "default_domain_id", "domain_name", "domain_id", "application_credential_id",
            "application_credential_name", "application_credential_secret");

    /**
     * Credentials from the keys of clouds.yaml's {@code auth:} section.
     *
     * @param authURL the Keystone URL when {@code auth} has no {@code auth_url} (the secret's case: it is in cluster.yaml)
     * @param where   where the keys come from, for messages ("secret openstack-prod-credentials", "clouds.yaml
     *                /etc/openstack/clouds.yaml, cloud prod")
     * @throws IllegalArgumentException naming the missing or unknown key (never a value)
     */
    static Credentials of(Map<String, ?> auth, String authURL, String where) {
        Set<String> unknown = new TreeSet<>(auth.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + " has unknown key(s) " + unknown + "; nkd reads " + new TreeSet<>(KEYS));
        }
        String url = text(auth, "auth_url", authURL);
        if (url == null) {
            throw new IllegalArgumentException(where + " has no auth_url (the Keystone v3 URL)");
        }
        url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (!url.endsWith("/v3")) {
            url = url + "/v3"; // clouds.yaml often names Keystone's root; nkd speaks v3 only
        }
        Ref defaultDomain = new Ref(text(auth, "default_domain_id", null), text(auth, "default_domain_name", null));
        Ref userDomain = new Ref(text(auth, "user_domain_id", null), text(auth, "user_domain_name", null));
        if (!userDomain.isSet()) {
            userDomain = defaultDomain;
        }
        Ref user = new Ref(text(auth, "user_id", null), text(auth, "username", null));
        String appSecret = text(auth, "application_credential_secret", null);
        Ref app = new Ref(text(auth, "application_credential_id", null), text(auth, "application_credential_name", null));
        if (app.isSet() || appSecret != null) {
            if (appSecret == null) {
                throw new IllegalArgumentException(where + " names an application credential but has no application_credential_secret");
            }
            if (!app.isSet()) {
                throw new IllegalArgumentException(where + " has application_credential_secret but neither application_credential_id"
                        + " nor application_credential_name");
            }
            if (app.id() == null && !user.isSet()) {
                throw new IllegalArgumentException(where + " names application credential " + app.name()
                        + " by name: add username (and user_domain_name) or use application_credential_id");
            }
            if (app.id() == null && user.id() == null && !userDomain.isSet()) {
                throw new IllegalArgumentException(where + " needs user_domain_name or user_domain_id for user " + user.name());
            }
            return new ApplicationCredential(url, app, user, userDomain, appSecret);
        }
        if (!user.isSet()) {
            throw new IllegalArgumentException(where + " has neither username/user_id with password nor"
                    + " application_credential_id with application_credential_secret");
        }
        String password = text(auth, "password", null);
        if (password == null) {
            throw new IllegalArgumentException(where + " has no password for user " + user);
        }
        if (user.id() == null && !userDomain.isSet()) {
            throw new IllegalArgumentException(where + " needs user_domain_name or user_domain_id for user " + user.name()
                    + " (Default on most clouds)");
        }
        Ref project = new Ref(text(auth, "project_id", text(auth, "tenant_id", null)),
                text(auth, "project_name", text(auth, "tenant_name", null)));
        if (!project.isSet()) {
            throw new IllegalArgumentException(where + " has no project_name or project_id: nkd creates servers in a project");
        }
        Ref projectDomain = new Ref(text(auth, "project_domain_id", text(auth, "domain_id", null)),
                text(auth, "project_domain_name", text(auth, "domain_name", null)));
        if (!projectDomain.isSet()) {
            projectDomain = defaultDomain;
        }
        if (project.id() == null && !projectDomain.isSet()) {
            throw new IllegalArgumentException(where + " needs project_domain_name or project_domain_id for project " + project.name());
        }
        return new Password(url, user, userDomain, password, project, projectDomain);
    }

    private static String text(Map<String, ?> auth, String key, String fallback) {
        Object v = auth.get(key);
        if (v == null) {
            return fallback;
        }
        String s = Objects.toString(v).strip();
        return s.isEmpty() ? fallback : s;
    }

    /** The body of {@code POST /v3/auth/tokens}. Holds the secret: never log it. */
    static Map<String, Object> authRequest(Credentials c) {
        Map<String, Object> identity = new LinkedHashMap<>();
        Map<String, Object> auth = new LinkedHashMap<>();
        if (c instanceof Password p) {
            Map<String, Object> user = p.user().json();
            if (p.user().id() == null) {
                user.put("domain", p.userDomain().json());
            }
            user.put("password", p.password());
            identity.put("methods", java.util.List.of("password"));
            identity.put("password", Map.of("user", user));
            auth.put("identity", identity);
            Map<String, Object> project = p.project().json();
            if (p.project().id() == null) {
                project.put("domain", p.projectDomain().json());
            }
            auth.put("scope", Map.of("project", project));
        } else if (c instanceof ApplicationCredential a) {
            Map<String, Object> cred = a.credential().json();
            if (a.credential().id() == null) {
                Map<String, Object> user = a.user().json();
                if (a.user().id() == null) {
                    user.put("domain", a.userDomain().json());
                }
                cred.put("user", user);
            }
            cred.put("secret", a.secret());
            identity.put("methods", java.util.List.of("application_credential"));
            identity.put("application_credential", cred);
            auth.put("identity", identity); // an application credential carries its project: no scope
        } else {
            throw new IllegalStateException("unknown credentials " + c.getClass());
        }
        return Map.of("auth", auth);
    }
}
