package io.nkd.importer;

import java.util.Objects;

/**
 * One NKD setting the import could not put into the nkd config repository as it was, or that the user must
 * act on: which key (as written in the NKD file), why, and what to do. Never holds a secret value.
 */
public record NotCarriedOver(String key, String reason, String action) {
    public NotCarriedOver {
        Objects.requireNonNull(key);
        Objects.requireNonNull(reason);
        Objects.requireNonNull(action);
    }

    @Override
    public String toString() {
        return key + ": " + reason + ". " + (action.isEmpty() ? "" : Character.toUpperCase(action.charAt(0)) + action.substring(1)) + ".";
    }
}
