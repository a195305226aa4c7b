// Runs Neo4j Community 5.26 (embedded DBMS from Maven Central) as a local
// Bolt server, for Scout's tests and local use. Started by scripts/neo4j.sh;
// see that script for the environment variables and the file layout.
//
// Inputs (set by scripts/neo4j.sh):
//   -Dscout.home=DIR          Neo4j home (data/ and logs/ live under it)
//   -Dscout.port=7687         Bolt port, bound on 127.0.0.1 only
//   -Dscout.pagecache=512m    page cache size
//   -Dscout.ready=FILE        written once Bolt is up AND the password is set
//   env SCOUT_NEO4J_PASSWORD  password for user neo4j (not on the command
//                             line, so it does not show up in `ps`)
//
// Class is in the default package on purpose: the main class name
// "ScoutNeo4j" then appears verbatim in the process command line, which is
// what scripts/neo4j.sh checks before it signals a pid.

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

public final class ScoutNeo4j {
    private static final String BIND_HOST = "127.0.0.1"; // loopback only: plain bolt:// is fine there
    private static final int MIN_PASSWORD_LENGTH = 8;     // Neo4j's default minimum

    private ScoutNeo4j() {}

    private static void log(String msg) {
        System.out.println(Instant.now() + " [scout-neo4j] " + msg);
        System.out.flush();
    }

    private static String required(String prop) {
        String v = System.getProperty(prop);
        if (v == null || v.isBlank()) {
            log("missing -D" + prop + " (start this through scripts/neo4j.sh)");
            System.exit(2);
        }
        return v;
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(required("scout.home")).toAbsolutePath();
        int port = Integer.parseInt(required("scout.port"));
        long pageCache = ByteUnit.parse(System.getProperty("scout.pagecache", "512m"));
        Path ready = Path.of(required("scout.ready")).toAbsolutePath();
        String password = System.getenv("SCOUT_NEO4J_PASSWORD");
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            log("SCOUT_NEO4J_PASSWORD must be set and at least " + MIN_PASSWORD_LENGTH + " characters");
            System.exit(2);
        }
        Files.deleteIfExists(ready);

        log("starting Neo4j " + neo4jVersion() + " home=" + home + " bolt=" + BIND_HOST + ":" + port);

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    // Neo4j's user log (the server's neo4j.log) goes to stdout,
                    // which scripts/neo4j.sh redirects into the log file.
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(BIND_HOST, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(BIND_HOST, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                    // Keep a dev/test server small on disk: transaction log files
                    // are otherwise preallocated at 256 MiB per database, and
                    // kept for 2 days of test churn.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                    // No "anonymous usage data" phoning home from a dev/test server.
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    .build();
        } catch (RuntimeException e) {
            log("failed to start: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
            return;
        }

        // Stop cleanly on SIGTERM/SIGINT: the JVM runs shutdown hooks for both.
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean(false);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            log("shutting down");
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
                // best effort: the script also removes it
            }
            try {
                dbms.shutdown();
                log("stopped");
            } catch (RuntimeException e) {
                log("error during shutdown: " + e);
            } finally {
                stopped.countDown();
            }
        }, "scout-neo4j-shutdown"));

        long t0 = System.nanoTime();
        try {
            setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
        } catch (RuntimeException e) {
            if (!stopping.get()) {
                log("failed to set the neo4j password: " + e);
                e.printStackTrace(System.out);
                System.exit(1); // runs the shutdown hook
            }
            return;
        }

        // Bolt has been listening since build() returned, but logins only work
        // with the right password from here on: that is what "ready" means.
        Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log("ready: bolt://" + BIND_HOST + ":" + port + " user=neo4j (password step took "
                + (System.nanoTime() - t0) / 1_000_000 + " ms)");

        stopped.await(); // the DBMS threads do the work; wait for the shutdown hook
    }

    /**
     * Sets the password of user neo4j and clears "must change password".
     * Embedded transactions run with full (auth-disabled) rights, so the
     * system database accepts these admin commands without logging in.
     */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PLAINTEXT PASSWORD $p CHANGE NOT REQUIRED", Map.of("p", password));
            log("password of user neo4j set from SCOUT_NEO4J_PASSWORD");
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to its current value; that
            // happens on every restart with an unchanged password and is fine.
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            log("password of user neo4j unchanged (already matches SCOUT_NEO4J_PASSWORD)");
        }
    }

    private static String neo4jVersion() {
        String v = DatabaseManagementService.class.getPackage().getImplementationVersion();
        return v == null ? "(unknown version)" : v;
    }
}
