package io.nkd.importer;

import io.nkd.cli.ImportCommand;
import io.nkd.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * Runs {@code nkd import …} in-process, capturing standard output and error. Through {@link Main#execute} once
 * Main registers the import command; until then through a CommandLine of {@link ImportCommand} with nkd's own
 * error handler, so failures print exactly as they will.
 */
final class CliHarness {
    record Run(int exit, String out, String err) {
    }

    private CliHarness() {
    }

    static synchronized Run run(String... args) {
        if (!args[0].equals("import")) {
            throw new IllegalArgumentException("args start with import");
        }
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit;
            if (new CommandLine(new Main()).getSubcommands().containsKey("import")) {
                exit = Main.execute(args);
            } else {
                CommandLine cli = new CommandLine(new ImportCommand());
                cli.setExecutionExceptionHandler(nkdErrorHandler());
                exit = cli.execute(Arrays.copyOfRange(args, 1, args.length));
            }
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static CommandLine.IExecutionExceptionHandler nkdErrorHandler() {
        try {
            var ctor = Class.forName("io.nkd.cli.UserErrorHandler").getDeclaredConstructor();
            ctor.setAccessible(true);
            return (CommandLine.IExecutionExceptionHandler) ctor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code body} with ImportCommand.caSink replaced by one that hands its arguments to {@code sink}. */
    static void withCaSink(Consumer<Object[]> sink, Runnable body) {
        try {
            Field f = ImportCommand.class.getDeclaredField("caSink");
            f.setAccessible(true);
            Object previous = f.get(null);
            Class<?> type = f.getType();
            Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
                if (method.getName().equals("store")) {
                    sink.accept(args);
                }
                return null;
            });
            f.set(null, proxy);
            try {
                body.run();
            } finally {
                f.set(null, previous);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
