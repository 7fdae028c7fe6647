package io.nkd.cli;

import io.nkd.status.ClusterStatus;

/** For tests of other packages: what {@code nkd status CLUSTER} prints for a status. */
public final class StatusPrinterAccess {
    private StatusPrinterAccess() {
    }

    public static String detail(ClusterStatus s) {
        return StatusPrinter.detail(s);
    }
}
