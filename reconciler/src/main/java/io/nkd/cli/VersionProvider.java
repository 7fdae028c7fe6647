package io.nkd.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build), or "dev" when run from classes. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"nkd " + (v == null ? "dev" : v),
            "Butane fcos 1.0.0-1.7.0, Ignition spec 3.0.0-3.6.0",
            "Java " + System.getProperty("java.version")};
    }
}
