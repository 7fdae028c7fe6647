package io.nkd.ignition.merge;

/** Which input of a merge a part of the output came from. */
public enum Side {
    PARENT, CHILD
}
