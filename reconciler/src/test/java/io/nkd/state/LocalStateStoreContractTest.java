package io.nkd.state;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The shared behaviour ({@link StateStoreContract}) on the local directory store. */
class LocalStateStoreContractTest extends StateStoreContract {
    @TempDir
    Path tmp;
    private LocalStateStore store;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
    }

    @Override
    protected StateStore store() {
        return store;
    }

    @Override
    protected StateStore secondStore() {
        return new LocalStateStore(tmp.resolve("state"));
    }
}
