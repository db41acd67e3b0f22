// Readiness probe for the local relaydesk Kafka broker (used by kafka.sh).
//
// Compiled by `kafka.sh fetch` against the fetched kafka-clients jar. It asks the
// broker for its cluster metadata through the real Admin client (a Metadata /
// DescribeCluster round trip over the Kafka protocol), so "up" means the broker
// has finished starting and is unfenced, not just that a port is open.
//
//   java -cp ... KafkaProbe <bootstrap> <waitMs> [pid]
//
// Tries until it gets an answer or waitMs has passed (at least one attempt of
// about 1.5 s). When pid is given it gives up at once if that process dies.
// Exit 0 and one line "ok cluster=<id> nodes=<n> controller=<id>" when up; 1 otherwise.
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

public final class KafkaProbe {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaProbe <bootstrap> <waitMs> [pid]");
            System.exit(2);
        }
        String bootstrap = args[0];
        long waitMs = Long.parseLong(args[1]);
        Optional<ProcessHandle> proc = args.length > 2 ? ProcessHandle.of(Long.parseLong(args[2])) : Optional.empty();
        if (args.length > 2 && proc.isEmpty()) {
            System.err.println("process " + args[2] + " is not running");
            System.exit(1);
        }

        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "relaydesk-kafka-probe");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1500");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1500");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "250");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "250");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "1000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "1000");

        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        String last = "no attempt";
        try (Admin admin = Admin.create(p)) {
            do {
                if (proc.isPresent() && !proc.get().isAlive()) {
                    System.err.println("broker process " + args[2] + " exited");
                    System.exit(1);
                }
                long attemptStart = System.nanoTime();
                try {
                    DescribeClusterResult r = admin.describeCluster(new DescribeClusterOptions().timeoutMs(1500));
                    var nodes = r.nodes().get(2, TimeUnit.SECONDS);
                    String clusterId = r.clusterId().get(2, TimeUnit.SECONDS);
                    Node controller = r.controller().get(2, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        System.out.println("ok cluster=" + clusterId + " nodes=" + nodes.size()
                                + " controller=" + (controller == null ? "none" : controller.idString()));
                        admin.close(java.time.Duration.ZERO);
                        System.exit(0);
                    }
                    last = "cluster has no live brokers yet";
                } catch (Exception e) {
                    Throwable c = e.getCause() != null ? e.getCause() : e;
                    last = c.getClass().getSimpleName() + ": " + c.getMessage();
                }
                long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attemptStart);
                if (spent < 250) Thread.sleep(250 - spent);
            } while (System.nanoTime() < deadline);
            System.err.println("not ready: " + last);
            admin.close(java.time.Duration.ZERO);
        }
        System.exit(1);
    }
}
