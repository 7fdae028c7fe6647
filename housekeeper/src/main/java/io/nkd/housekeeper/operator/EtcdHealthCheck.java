package io.nkd.housekeeper.operator;

import io.nkd.housekeeper.rollout.EtcdHealth;

/**
 * Whether every etcd member is healthy, asked before each new node. Implementations watch rather than poll, so that
 * asking costs no API request and a change of health starts a reconcile.
 */
public interface EtcdHealthCheck extends AutoCloseable {
    /** Starts watching; {@code onChange} runs whenever the health may have changed. */
    void start(Runnable onChange);

    EtcdHealth check();

    @Override
    void close();

    /** {@code --etcd-check none}: for clusters whose etcd is not kubeadm's static pods (external etcd). */
    static EtcdHealthCheck none() {
        return new EtcdHealthCheck() {
            @Override
            public void start(Runnable onChange) {
            }

            @Override
            public EtcdHealth check() {
                return EtcdHealth.healthy("etcd is not checked (--etcd-check none)");
            }

            @Override
            public void close() {
            }
        };
    }
}
