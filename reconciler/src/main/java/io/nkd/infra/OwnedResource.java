package io.nkd.infra;

/**
 * One object a provider holds for a cluster with nkd's marker on it.
 *
 * @param kind what it is in the provider's own words ({@code server}, {@code port}, {@code security-group},
 *             {@code domain}, {@code volume}, {@code ipxe-host}, …)
 * @param name its name as the provider shows it
 * @param id   the provider's identifier (a UUID on OpenStack), or the name when the provider has no other
 */
public record OwnedResource(String kind, String name, String id) {
    /** {@code server lab-worker-1 (4b0c…)} as {@code nkd destroy} lists it. */
    public String describe() {
        return kind + " " + name + (id == null || id.equals(name) ? "" : " (" + id + ")");
    }
}
