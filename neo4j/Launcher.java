import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

import inet.ipaddr.IPAddressString;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import picocli.CommandLine;

/**
 * Runs Neo4j Community embedded, with only a Bolt listener, for Civic Space Graph.
 *
 * <p>Why embedded rather than the Neo4j distribution: Maven Central is reachable from our machines
 * and the tarball site is not, so we fetch the jars and start the DBMS ourselves. The Python side
 * ({@code civicgraph.neo4j_local}) compiles this file once, spawns it detached and polls Bolt.
 *
 * <p>Security: authentication is on. The password of user {@code neo4j} is read from
 * {@code --password-file} (written by the Python side, mode 0600, in the data directory). When it
 * differs from the one last applied, it is set before Bolt ever listens: as the initial password
 * of a new DBMS, or, for existing data, through a first start with Bolt off; so no client can ever
 * reach the default {@code neo4j/neo4j} account. {@code LOAD CSV} cannot read files (file URLs are refused,
 * and the import root is an empty directory) nor reach any host (every address is blocked). Bolt
 * still listens on loopback only unless {@code --allow-remote} is given; encryption is off.
 *
 * <p>Usage: {@code java -Xms.. -Xmx.. -cp 'classes:lib/*' Launcher --home DIR --password-file FILE
 * [--data DIR] [--logs DIR] [--bolt HOST:PORT] [--pagecache BYTES] [--tx-max BYTES]
 * [--ready-file FILE] [--exit-with PID]}.
 * Prints {@code READY bolt://HOST:PORT} once the DBMS accepts work, and stops cleanly on SIGTERM.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        Path home = Path.of(require(args, "home")).toAbsolutePath();
        Path data = Path.of(args.getOrDefault("data", home.resolve("data").toString()));
        Path logs = Path.of(args.getOrDefault("logs", home.resolve("logs").toString()));
        SocketAddress bolt = address(args.getOrDefault("bolt", "127.0.0.1:7687"));
        if (!isLoopback(bolt.getHostname()) && !args.containsKey("allow-remote")) {
            fail("refusing to listen on " + bolt + " (not a loopback address) without"
                    + " --allow-remote");
        }
        long pagecache = Long.parseLong(args.getOrDefault("pagecache", String.valueOf(256L << 20)));
        long txMax = Long.parseLong(args.getOrDefault("tx-max", String.valueOf(256L << 20)));
        Path readyFile = args.containsKey("ready-file") ? Path.of(args.get("ready-file")) : null;
        Path passwordFile = Path.of(require(args, "password-file"));
        Path imports = home.resolve("import-disabled");
        Files.createDirectories(imports);

        long started = System.nanoTime();
        applyPassword(passwordFile, builder(home, data, logs, imports, pagecache, txMax), home,
                data);
        DatabaseManagementService dbms = builder(home, data, logs, imports, pagecache, txMax)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING shutting down the DBMS");
            System.out.flush();
            try {
                dbms.shutdown();
            } finally {
                deleteQuietly(readyFile);
                System.out.println("STOPPED");
                System.out.flush();
                stopped.countDown();
            }
        }, "civicgraph-shutdown"));
        if (args.containsKey("exit-with")) {
            exitWith(Long.parseLong(args.get("exit-with")));
        }

        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                .executeTransactionally("RETURN 1");
        long millis = (System.nanoTime() - started) / 1_000_000;
        String uri = "bolt://" + bolt;
        if (readyFile != null) {
            writeAtomically(readyFile, ProcessHandle.current().pid() + " " + uri + "\n");
        }
        System.out.println("READY " + uri + " pid=" + ProcessHandle.current().pid()
                + " startup_ms=" + millis);
        System.out.flush();
        stopped.await();
    }

    /** The settings both start phases share: storage, memory, and the locked-down surface. */
    private static DatabaseManagementServiceBuilder builder(Path home, Path data, Path logs,
            Path imports, long pagecache, long txMax) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.data_directory, data.toAbsolutePath())
                .setConfig(GraphDatabaseSettings.logs_directory, logs.toAbsolutePath())
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.allow_file_urls, false)
                .setConfig(GraphDatabaseSettings.load_csv_file_url_root, imports.toAbsolutePath())
                .setConfig(GraphDatabaseInternalSettings.cypher_ip_blocklist,
                        List.of(new IPAddressString("0.0.0.0/0"), new IPAddressString("::/0")))
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, txMax)
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout,
                        Duration.ofSeconds(10))
                // Internal (unsupported) settings, pinned with the 5.26 version in pom.xml: the
                // IP block list is Community's only switch that keeps LOAD CSV off the network;
                // the other two: the defaults add ~10 s of idle waiting to every stop.
                .setConfig(GraphDatabaseInternalSettings.cypher_ip_blocklist,
                        List.of(new IPAddressString("0.0.0.0/0"), new IPAddressString("::/0")))
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time,
                        Duration.ofSeconds(1));
    }

    /** Makes the password in {@code file} the one of user neo4j, unless it already is. */
    private static void applyPassword(Path file, DatabaseManagementServiceBuilder offline,
            Path home, Path data) throws Exception {
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.length() < 8) {
            fail(file + " must hold a password of at least 8 characters");
        }
        Path applied = file.resolveSibling(file.getFileName() + ".applied");
        String digest = sha256(password);
        if (digest.equals(readQuietly(applied))) {
            return;
        }
        if (Files.exists(data.resolve("databases").resolve("system"))) {
            alterPassword(offline, password);
        } else {
            setInitialPassword(home, data, password);
        }
        writeAtomically(applied, digest);
        System.out.println("PASSWORD of user neo4j set from " + file);
    }

    /**
     * A new DBMS: what {@code neo4j-admin dbms set-initial-password} does, before the system
     * database exists, so the server never runs with the default password. Neo4j's own command
     * is run in-process with a throwaway neo4j.conf that names our data directory.
     */
    private static void setInitialPassword(Path home, Path data, String password)
            throws IOException {
        Path conf = Files.createTempDirectory(home, "initial-password-");
        try {
            Files.writeString(conf.resolve("neo4j.conf"),
                    "server.directories.data=" + data.toAbsolutePath() + "\n");
            int code = new CommandLine(new SetInitialPasswordCommand(new ExecutionContext(home, conf)))
                    .execute("--", password); // "--": a password may start with a dash
            if (code != 0) {
                fail("setting the initial password failed (exit " + code + ")");
            }
        } finally {
            Files.deleteIfExists(conf.resolve("neo4j.conf"));
            Files.deleteIfExists(conf);
        }
    }

    /**
     * An existing DBMS whose password file is new (older data, or the file was replaced): start it
     * once with Bolt off, set the password through the embedded API, stop it.
     */
    private static void alterPassword(DatabaseManagementServiceBuilder offline, String password) {
        DatabaseManagementService setup = offline.setConfig(BoltConnector.enabled, false).build();
        try {
            setup.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } finally {
            setup.shutdown();
        }
    }

    private static String sha256(String text) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(hash);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Stops this DBMS (through the shutdown hook) once process {@code pid} is gone, so a test run
     * that is killed outright does not leave a server running on a random port.
     */
    private static void exitWith(long pid) {
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.out.println("OWNER GONE process " + pid + " exited; stopping");
            System.exit(0);
        }, "civicgraph-owner-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String key = argv[i];
            if (!key.startsWith("--")) {
                fail("unexpected argument " + key);
            }
            if (key.equals("--allow-remote")) {
                args.put("allow-remote", "true");
            } else if (i + 1 < argv.length) {
                args.put(key.substring(2), argv[++i]);
            } else {
                fail("missing value for " + key);
            }
        }
        return args;
    }

    private static SocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            fail("--bolt must be HOST:PORT, got " + hostPort);
        }
        return new SocketAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static String require(Map<String, String> args, String key) {
        String value = args.get(key);
        if (value == null) {
            fail("--" + key + " is required");
        }
        return value;
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // The Python side treats a leftover ready file as stale once the pid is gone.
        }
    }

    private static void fail(String message) {
        System.err.println("Launcher: " + message);
        System.exit(2);
    }
}
