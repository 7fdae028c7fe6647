package io.nkd.yaml;

/** An enum whose YAML spelling differs from its Java name (for example {@code control-plane}). */
public interface WireEnum {
    String wire();
}
