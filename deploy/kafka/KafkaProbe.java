// Readiness probe for the local relaydesk Kafka broker (used by kafka.sh).
//
// Compiled by `kafka.sh fetch` against the fetched kafka-clients jar. It asks the
// broker for its cluster metadata through the real Admin client (a Metadata /
// DescribeCluster round trip over the Kafka protocol), so "up" means the broker
// has finished starting and is unfenced, not just that a port is open.
//
//   java -cp ... KafkaProbe <bootstrap> <waitMs> [pid]
//
// Once __consumer_offsets exists (after the first consumer group was used), "up"
// also means the group coordinator has loaded every partition of it: right after a
// restart the broker answers metadata a few seconds before OffsetFetch works, and
// kafkajs' admin.fetchOffsets() does not retry NOT_COORDINATOR. So the probe asks
// for the offsets of one made-up group per __consumer_offsets partition.
//
// Tries until it gets an answer or waitMs has passed (at least one attempt of
// about 1.5 s). When pid is given it gives up at once if that process dies.
// Exit 0 and one line "ok cluster=<id> nodes=<n> controller=<id>" when up; 1 otherwise.
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Utils;

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
                    String notLoaded = nodes.isEmpty() ? "cluster has no live brokers yet" : groupCoordinatorNotLoaded(admin);
                    if (notLoaded == null) {
                        System.out.println("ok cluster=" + clusterId + " nodes=" + nodes.size()
                                + " controller=" + (controller == null ? "none" : controller.idString()));
                        admin.close(java.time.Duration.ZERO);
                        System.exit(0);
                    }
                    last = notLoaded;
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

    /** null when there is no __consumer_offsets yet or OffsetFetch works on all its partitions, else why not. */
    private static String groupCoordinatorNotLoaded(Admin admin) throws Exception {
        var topics = admin.listTopics(new ListTopicsOptions().listInternal(true).timeoutMs(1500)).names().get(2, TimeUnit.SECONDS);
        if (!topics.contains("__consumer_offsets")) return null;
        int partitions = admin.describeTopics(java.util.List.of("__consumer_offsets")).allTopicNames()
                .get(2, TimeUnit.SECONDS).get("__consumer_offsets").partitions().size();
        // one group id per partition (the coordinator maps a group to abs(hashCode) % partitions)
        Map<String, ListConsumerGroupOffsetsSpec> groups = new HashMap<>();
        boolean[] covered = new boolean[partitions];
        for (int i = 0, n = 0; n < partitions && i < 100_000; i++) {
            String g = "relaydesk-probe-" + i;
            int part = Utils.abs(g.hashCode()) % partitions;
            if (!covered[part]) { covered[part] = true; n++; groups.put(g, new ListConsumerGroupOffsetsSpec()); }
        }
        try {
            admin.listConsumerGroupOffsets(groups, new ListConsumerGroupOffsetsOptions().timeoutMs(1500))
                    .all().get(2, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return "group coordinator not ready: " + c.getClass().getSimpleName() + ": " + c.getMessage();
        }
    }
}
