package io.nkd.housekeeper.rollout;

import java.util.Objects;

/**
 * Whether every etcd member is healthy, with a sentence saying which is not (for the Progressing condition and logs).
 */
public record EtcdHealth(boolean healthy, String detail) {
    public EtcdHealth {
        Objects.requireNonNull(detail, "detail");
    }

    public static EtcdHealth healthy(String detail) {
        return new EtcdHealth(true, detail);
    }

    public static EtcdHealth unhealthy(String detail) {
        return new EtcdHealth(false, detail);
    }
}
