package io.nkd.infra.libvirt;

import io.nkd.infra.ProviderException;
import org.libvirt.Error;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/** libvirt's errors (virError) as nkd's provider errors: the kind decides the daemon's reaction, the text is libvirt's. */
final class LibvirtErrors {
    private LibvirtErrors() {
    }

    static ProviderException of(String doing, LibvirtException e) {
        return of(doing, e.getError(), e);
    }

    static ProviderException of(String doing, Error error, Throwable cause) {
        String text = error == null || error.getMessage() == null ? "libvirt gave no reason" : error.getMessage();
        ProviderException.Kind kind = full(text) ? ProviderException.Kind.QUOTA_EXCEEDED : kind(error == null ? null : error.getCode());
        return new ProviderException(kind, doing + ": " + text, text, cause);
    }

    /**
     * Whether libvirt says the host ran out of room (a storage pool's "Not enough free space", a disk's "No space left on
     * device"): libvirt reports these as internal or system errors, but for an operator they are a used-up quota.
     */
    static boolean full(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        return t.contains("not enough free space") || t.contains("no space left on device");
    }

    static boolean is(LibvirtException e, ErrorNumber... codes) {
        ErrorNumber code = e.getError() == null ? null : e.getError().getCode();
        for (ErrorNumber c : codes) {
            if (c == code) {
                return true;
            }
        }
        return false;
    }

    /** Whether the connection itself is broken (libvirtd restarted, socket closed), so the next call opens a new one. */
    static boolean connectionLost(ErrorNumber code) {
        return code == ErrorNumber.VIR_ERR_INVALID_CONN || code == ErrorNumber.VIR_ERR_NO_CONNECT
                || code == ErrorNumber.VIR_ERR_RPC;
    }

    static ProviderException.Kind kind(ErrorNumber code) {
        if (code == null) {
            return ProviderException.Kind.OTHER;
        }
        return switch (code) {
            case VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK, VIR_ERR_NO_STORAGE_POOL, VIR_ERR_NO_STORAGE_VOL, VIR_ERR_NO_KERNEL,
                 VIR_ERR_NO_SOURCE -> ProviderException.Kind.NOT_FOUND;
            case VIR_ERR_DOM_EXIST, VIR_ERR_NETWORK_EXIST, VIR_ERR_STORAGE_VOL_EXIST, VIR_ERR_RESOURCE_BUSY ->
                    ProviderException.Kind.CONFLICT;
            case VIR_ERR_AUTH_FAILED, VIR_ERR_AUTH_CANCELLED, VIR_ERR_AUTH_UNAVAILABLE, VIR_ERR_ACCESS_DENIED,
                 VIR_ERR_OPERATION_DENIED -> ProviderException.Kind.UNAUTHORIZED;
            case VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN, VIR_ERR_RPC, VIR_ERR_OPERATION_TIMEOUT, VIR_ERR_NO_SERVER,
                 VIR_ERR_SSH, VIR_ERR_LIBSSH -> ProviderException.Kind.UNREACHABLE;
            case VIR_ERR_INTERNAL_ERROR, VIR_ERR_OPERATION_FAILED, VIR_ERR_SYSTEM_ERROR -> ProviderException.Kind.SERVER_ERROR;
            default -> ProviderException.Kind.OTHER;
        };
    }
}
