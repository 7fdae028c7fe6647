package io.nkd.ignition.validate;

/**
 * One area of Ignition's semantic validation. The set is closed: {@link IgnitionValidator} runs every
 * rule over the whole config, and each rule adds its findings to the context's report.
 */
sealed interface Rule permits IgnitionSectionRules, StorageNodeRules, DiskRules, LuksRules, SystemdRules,
        DuplicateRules {

    void check(JsonCursor config, ValidationContext ctx);
}
