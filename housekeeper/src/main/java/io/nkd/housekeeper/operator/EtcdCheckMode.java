package io.nkd.housekeeper.operator;

/** {@code --etcd-check}: how the operator learns etcd's health. */
public enum EtcdCheckMode {
    /** kubeadm's static pods: every pod labelled {@code component=etcd} in kube-system Running and Ready. */
    PODS,
    /** Not checked (external etcd, or a cluster whose etcd the operator cannot see). */
    NONE
}
