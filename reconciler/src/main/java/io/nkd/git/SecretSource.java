package io.nkd.git;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Where a secret (token, password, key passphrase) comes from. The value is read at each use, never kept:
 * a rotated token file is picked up by the next poll, and a heap dump of an idle daemon holds no token.
 * {@code toString} names the source only; neither the value nor its length ever appears in a message.
 */
public sealed interface SecretSource {
    /** A file holding the secret; one trailing newline (as {@code echo} writes) is dropped. */
    record FromFile(Path path) implements SecretSource {
        public FromFile {
            path = path.toAbsolutePath().normalize();
        }

        @Override
        public String describe() {
            return "file " + path;
        }
    }

    /** An environment variable of the nkd process (systemd {@code LoadCredential}, a Kubernetes Secret env). */
    record FromEnv(String variable) implements SecretSource {
        public FromEnv {
            if (variable == null || !variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("not an environment variable name: \"" + variable + "\"");
            }
        }

        @Override
        public String describe() {
            return "environment variable " + variable;
        }
    }

    /** "file /etc/nkd/token" or "environment variable NKD_TOKEN", for messages. */
    String describe();

    /** The secret, read now from the process environment or the file. The caller wipes the array. */
    default char[] read() throws SecretUnavailableException {
        return read(System::getenv);
    }

    /** As {@link #read()}, with the environment given (tests, and a daemon that snapshots its environment). */
    default char[] read(Function<String, String> environment) throws SecretUnavailableException {
        char[] value;
        if (this instanceof FromEnv env) {
            String v = environment.apply(env.variable());
            if (v == null) {
                throw new SecretUnavailableException(describe() + " is not set");
            }
            value = v.toCharArray();
        } else if (this instanceof FromFile file) {
            value = readFile(file.path());
        } else {
            throw new IllegalStateException("unknown secret source " + getClass());
        }
        int end = value.length;
        if (end > 0 && value[end - 1] == '\n') {
            end--;
            if (end > 0 && value[end - 1] == '\r') {
                end--;
            }
        }
        char[] trimmed = Arrays.copyOf(value, end);
        Arrays.fill(value, '\0');
        if (trimmed.length == 0) {
            throw new SecretUnavailableException(describe() + " is empty");
        }
        return trimmed;
    }

    private static char[] readFile(Path path) throws SecretUnavailableException {
        byte[] bytes = null;
        try {
            bytes = Files.readAllBytes(path);
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            Arrays.fill(chars.array(), '\0');
            return out;
        } catch (NoSuchFileException e) {
            throw new SecretUnavailableException("secret file " + path + " does not exist");
        } catch (CharacterCodingException e) {
            throw new SecretUnavailableException("secret file " + path + " is not UTF-8 text");
        } catch (IOException e) {
            // the exception's own message names the file and the reason (permission denied, …), not the contents
            throw new SecretUnavailableException("cannot read secret file " + path + ": " + e.getClass().getSimpleName());
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }

    /** A secret could not be read; the message names the source, never a value. */
    final class SecretUnavailableException extends Exception {
        public SecretUnavailableException(String message) {
            super(message);
        }
    }
}
