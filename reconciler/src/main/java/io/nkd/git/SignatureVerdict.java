package io.nkd.git;

import org.eclipse.jgit.lib.ObjectId;

/** Whether a commit may be applied under {@code --verify-commits}; a rejection says why, for status and logs. */
public sealed interface SignatureVerdict {
    ObjectId commit();

    boolean trusted();

    /** Signed, the signature is good, and the key is in the trusted keyring and was valid when it signed. */
    record Trusted(ObjectId commit, String fingerprint, String userId) implements SignatureVerdict {
        @Override
        public boolean trusted() {
            return true;
        }
    }

    record Rejected(ObjectId commit, Reason reason, String message) implements SignatureVerdict {
        @Override
        public boolean trusted() {
            return false;
        }
    }

    enum Reason {
        /** No signature at all. */
        UNSIGNED,
        /** Signed with something other than OpenPGP (SSH or X.509 signing), which nkd does not verify. */
        UNSUPPORTED_FORMAT,
        /** The signature block cannot be parsed. */
        MALFORMED_SIGNATURE,
        /** Signed by a key that is not in the trusted keyring. */
        UNTRUSTED_KEY,
        /** The signature does not match the commit: the commit was changed after signing, or it is forged. */
        BAD_SIGNATURE,
        /** The trusted key is revoked, was expired when it signed, or is a subkey not bound for signing. */
        KEY_NOT_VALID,
        /** The commit is not in the clone. */
        MISSING_COMMIT
    }
}
