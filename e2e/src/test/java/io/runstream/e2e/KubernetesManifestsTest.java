package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests under {@code kubernetes/}, parsed with the fabric8 Kubernetes model as kustomize would assemble
 * them (a kustomization's resources, its overlays' base), and checked against each other and against the apps'
 * own configuration: selectors match labels, probes point at paths the apps serve on ports they listen on, the
 * KEDA ScaledObject targets the worker Deployment on the stream and group the worker consumes, and the worker's
 * termination grace period outlasts its shutdown grace.
 */
class KubernetesManifestsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MANIFESTS = ROOT.resolve("kubernetes");
    private static final List<String> HEALTH_PATHS = List.of("/q/health/live", "/q/health/ready", "/q/health/started");
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/two-queues"})
    void everySelectorMatchesTheLabelsOfAWorkload(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        List<Deployment> deployments = of(all, Deployment.class);
        assertThat(deployments).isNotEmpty();
        for (Deployment d : deployments) {
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                    .as("pod labels of %s", name(d)).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        }
        for (Service service : of(all, Service.class)) {
            assertThat(service.getSpec().getPorts()).as("Service %s leaves health and metrics inside the pod's network",
                    name(service)).noneSatisfy(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("management"));
            assertThat(deployments).as("a workload behind Service %s", name(service)).anySatisfy(d ->
                    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                            .containsAllEntriesOf(service.getSpec().getSelector()));
        }
        for (PodDisruptionBudget pdb : of(all, PodDisruptionBudget.class)) {
            assertThat(deployments).as("a workload under PodDisruptionBudget %s", name(pdb)).anySatisfy(d ->
                    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                            .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels()));
        }
        for (HorizontalPodAutoscaler hpa : of(all, HorizontalPodAutoscaler.class)) {
            assertThat(deployments).extracting(KubernetesManifestsTest::name)
                    .as("target of HPA %s", name(hpa)).contains(hpa.getSpec().getScaleTargetRef().getName());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/two-queues"})
    void theAppsProbesAskTheirHealthEndpointsOnThePortsTheyListenOn(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        for (String app : List.of("api", "worker")) {
            Container container = container(all, "runstream-" + app);
            Properties properties = appProperties(app);
            // health and metrics are on the management interface, a port of its own
            assertThat(properties.getProperty("quarkus.management.enabled")).isEqualTo("true");
            int management = Integer.parseInt(properties.getProperty("quarkus.management.port"));
            List<Probe> probes = Stream.of(container.getStartupProbe(), container.getLivenessProbe(),
                    container.getReadinessProbe()).toList();
            assertThat(probes).as("%s has startup, liveness and readiness probes", app).doesNotContainNull();
            for (Probe probe : probes) {
                assertThat(probe.getHttpGet().getPath()).isIn(HEALTH_PATHS);
                String portName = probe.getHttpGet().getPort().getStrVal();
                assertThat(container.getPorts()).anySatisfy(p -> {
                    assertThat(p.getName()).isEqualTo(portName);
                    assertThat(p.getContainerPort()).isEqualTo(management);
                });
            }
            // the api's API on its HTTP port; the worker has none
            List<Integer> ports = container.getPorts().stream().map(p -> p.getContainerPort()).toList();
            if (app.equals("api")) {
                assertThat(ports).as("api ports").containsExactlyInAnyOrder(
                        Integer.parseInt(properties.getProperty("quarkus.http.port")), management);
            } else {
                assertThat(properties.getProperty("quarkus.http.host-enabled")).isEqualTo("false");
                assertThat(ports).as("worker ports").containsExactly(management);
            }
            assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(container.getResources().getLimits()).containsKey("memory");
            assertThat(deployment(all, "runstream-" + app).getSpec().getTemplate().getSpec().getSecurityContext()
                    .getRunAsNonRoot()).as("%s runs as non-root", app).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/two-queues"})
    void envComesFromAConfigMapAndASecretThatExist(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        List<String> configMaps = of(all, ConfigMap.class).stream().map(KubernetesManifestsTest::name).toList();
        List<String> secrets = of(all, Secret.class).stream().map(KubernetesManifestsTest::name).toList();
        for (String app : List.of("api", "worker")) {
            Container container = container(all, "runstream-" + app);
            assertThat(envFrom(container, true)).isNotEmpty().allMatch(configMaps::contains);
            assertThat(envFrom(container, false)).isNotEmpty().allMatch(secrets::contains);
            assertThat(secret(all, envFrom(container, false).getFirst()).getStringData()).containsKeys("QUARKUS_REDIS_HOSTS", "QUARKUS_DATASOURCE_REACTIVE_URL",
                    "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
        }
    }

    /** The apps do not migrate (their readiness waits for the schema): a Job runs runstream-migrate against their database. */
    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/two-queues"})
    void aJobMigratesTheDatabaseTheAppsUse(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        Job migrate = job(all, "runstream-migrate");
        assertThat(migrate.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("OnFailure");
        assertThat(migrate.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        Container container = migrate.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).contains("runstream-migrate:");
        assertThat(envFrom(container, false)).isEqualTo(envFrom(container(all, "runstream-api"), false))
                .isEqualTo(envFrom(container(all, "runstream-worker"), false));
        assertThat(secret(all, envFrom(container, false).getFirst()).getStringData()).containsKeys(
                "QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
        for (String app : List.of("api", "worker")) {
            assertThat(container(all, "runstream-" + app).getReadinessProbe().getHttpGet().getPath())
                    .as("%s is not ready before the schema is", app).isEqualTo("/q/health/ready");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev"})
    void theScaledObjectScalesTheWorkerOnTheLagOfTheStreamAndGroupItConsumes(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        GenericKubernetesResource scaled = generic(all, "ScaledObject");
        JsonNode spec = YAML.valueToTree(scaled.getAdditionalProperties().get("spec"));
        assertThat(spec.at("/scaleTargetRef/name").asText()).isEqualTo("runstream-worker");
        assertThat(deployment(all, "runstream-worker")).isNotNull();
        assertThat(spec.at("/minReplicaCount").asInt()).as("scales from zero").isZero();

        JsonNode trigger = spec.at("/triggers/0");
        assertThat(trigger.get("type").asText()).isEqualTo("redis-streams");
        // the stream and group the worker's tasks channel gets from RedisKeys (TaskChannelDefaults)
        String prefix = configMap(all).getData().get("RUNSTREAM_KEY_PREFIX");
        assertThat(trigger.at("/metadata/stream").asText())
                .isEqualTo(new io.runstream.keys.RedisKeys(prefix).tasks("default"));
        assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo(io.runstream.keys.RedisKeys.WORKERS_GROUP);
        assertThat(trigger.at("/metadata/lagCount").asInt()).isPositive();
        assertThat(trigger.at("/metadata").has("activationLagCount")).isTrue();
        String address = trigger.at("/metadata/addressFromEnv").asText();
        assertThat(secret(all, envFrom(container(all, "runstream-worker"), false).getFirst()).getStringData())
                .containsKey(address);

        GenericKubernetesResource auth = generic(all, "TriggerAuthentication");
        assertThat(name(auth)).isEqualTo(trigger.at("/authenticationRef/name").asText());
        JsonNode ref = YAML.valueToTree(auth.getAdditionalProperties().get("spec")).at("/secretTargetRef/0");
        assertThat(secret(all, ref.get("name").asText()).getStringData()).containsKey(ref.get("key").asText());
    }

    /**
     * Lag counts only tasks no worker has read. Tasks a stopped worker handed back, or left behind in a crash, are
     * pending, not lagging: with the lag trigger alone the last worker could scale away while they wait, and none
     * would ever come back for them. A second trigger is active while anything is pending in the group.
     */
    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev"})
    void aWorkerStaysWhileAnyTaskIsPending(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        JsonNode spec = YAML.valueToTree(generic(all, "ScaledObject").getAdditionalProperties().get("spec"));
        assertTriggersPerPriority(spec, new io.runstream.keys.RedisKeys(configMap(all).getData()
                .get("RUNSTREAM_KEY_PREFIX")), "default");
    }

    /**
     * Every priority's stream of {@code queue} has a lag trigger and a pending trigger (active from one pending
     * task) in the workers' group, all with the same authentication.
     */
    private static void assertTriggersPerPriority(JsonNode spec, io.runstream.keys.RedisKeys keys, String queue) {
        List<String> lag = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        JsonNode auth = spec.at("/triggers/0/authenticationRef");
        for (JsonNode trigger : spec.get("triggers")) {
            assertThat(trigger.get("type").asText()).isEqualTo("redis-streams");
            assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo(io.runstream.keys.RedisKeys.WORKERS_GROUP);
            assertThat(trigger.at("/authenticationRef")).isEqualTo(auth);
            assertThat(trigger.at("/metadata/activationLagCount").asText()).as("active from one task").isEqualTo("0");
            (trigger.at("/metadata").has("pendingEntriesCount") ? pending : lag)
                    .add(trigger.at("/metadata/stream").asText());
        }
        List<String> streams = Arrays.stream(io.runstream.queue.Priority.all())
                .mapToObj(p -> keys.tasks(queue, p)).toList();
        assertThat(lag).as("streams with a lag trigger").containsExactlyInAnyOrderElementsOf(streams);
        assertThat(pending).as("streams with a pending trigger").containsExactlyInAnyOrderElementsOf(streams);
    }

    /**
     * The second-queue component: each worker Deployment reads one queue, and a ScaledObject of its own scales it on
     * that queue's streams (lag and pending triggers per priority) — the base's worker reads only default.
     */
    @Test
    void eachQueuesWorkersAreScaledOnTheStreamOfTheQueueTheyRead() throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve("overlays/two-queues"));
        String prefix = configMap(all).getData().get("RUNSTREAM_KEY_PREFIX");
        var keys = new io.runstream.keys.RedisKeys(prefix);
        Map<String, String> queueOf = new TreeMap<>();
        for (Deployment d : of(all, Deployment.class)) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
            if (c.getImage().contains("runstream-worker")) {
                queueOf.put(name(d), c.getEnv().stream().filter(e -> e.getName().equals("RUNSTREAM_WORKER_QUEUES"))
                        .map(io.fabric8.kubernetes.api.model.EnvVar::getValue).findFirst()
                        .orElseThrow(() -> new AssertionError(name(d) + " names no RUNSTREAM_WORKER_QUEUES")));
            }
        }
        assertThat(queueOf).isEqualTo(Map.of("runstream-worker", "default",
                "runstream-worker-verification", "verification"));
        List<GenericKubernetesResource> scalers = of(all, GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals("ScaledObject")).toList();
        assertThat(scalers).extracting(KubernetesManifestsTest::name)
                .containsExactlyInAnyOrder("runstream-worker", "runstream-worker-verification");
        for (GenericKubernetesResource scaler : scalers) {
            JsonNode spec = YAML.valueToTree(scaler.getAdditionalProperties().get("spec"));
            String target = spec.at("/scaleTargetRef/name").asText();
            assertThat(queueOf).as("target of %s", name(scaler)).containsKey(target);
            assertThat(spec.at("/minReplicaCount").asInt()).as("%s scales from zero", name(scaler)).isZero();
            assertThat(generic(all, "TriggerAuthentication").getMetadata().getName())
                    .isEqualTo(spec.at("/triggers/0/authenticationRef/name").asText());
            assertTriggersPerPriority(spec, keys, queueOf.get(target));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/two-queues"})
    void theWorkerIsGivenMoreTimeToStopThanItsShutdownGrace(String kustomization) throws IOException {
        List<HasMetadata> all = render(MANIFESTS.resolve(kustomization));
        Duration grace = duration(configMap(all).getData().get("RUNSTREAM_WORKER_SHUTDOWN_GRACE"));
        long podGrace = deployment(all, "runstream-worker").getSpec().getTemplate().getSpec()
                .getTerminationGracePeriodSeconds();
        // the grace, then a few seconds to leave what is unfinished and close the connections
        assertThat(Duration.ofSeconds(podGrace)).isGreaterThanOrEqualTo(grace.plusSeconds(10));
    }

    @Test
    void theBaseHoldsNoRedisOrPostgresWorkloadButTheDevOverlayDoes() throws IOException {
        assertThat(images(render(MANIFESTS.resolve("base")))).noneMatch(i -> i.startsWith("redis") || i.startsWith("postgres"));
        assertThat(images(render(MANIFESTS.resolve("overlays/dev")))).anyMatch(i -> i.startsWith("redis"))
                .anyMatch(i -> i.startsWith("postgres"));
    }

    @Test
    void theHpaAlternativeTargetsTheWorker() throws IOException {
        HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) parse(MANIFESTS.resolve("alternatives/worker-hpa.yaml"))
                .getFirst();
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("runstream-worker");
        assertThat(hpa.getSpec().getMetrics()).isNotEmpty();
    }

    // --- kustomize, as far as these manifests use it -----------------------------------------------------------

    /**
     * The resources of the kustomization in {@code dir}: its files and bases, then its components' resources, with
     * the Secret patches and the JSON patches' {@code add} and {@code replace} operations applied.
     */
    private static List<HasMetadata> render(Path dir) throws IOException {
        JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<HasMetadata> all = resources(dir, kustomization);
        for (JsonNode component : kustomization.path("components")) {
            // a component adds its resources, then patches everything so far
            Path path = dir.resolve(component.asText()).normalize();
            JsonNode own = YAML.readTree(path.resolve("kustomization.yaml").toFile());
            assertThat(own.path("kind").asText()).as("component %s of %s", component.asText(), dir)
                    .isEqualTo("Component");
            all.addAll(resources(path, own));
            applyPatches(path, own, all);
        }
        applyPatches(dir, kustomization, all);
        return applyImages(kustomization, dir, all);
    }

    private static List<HasMetadata> resources(Path dir, JsonNode kustomization) throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            assertThat(path).as("resource %s of %s", resource.asText(), dir).exists();
            all.addAll(Files.isDirectory(path) ? render(path) : parse(path));
        }
        return all;
    }

    private static void applyPatches(Path dir, JsonNode kustomization, List<HasMetadata> all) throws IOException {
        for (JsonNode patch : kustomization.path("patches")) {
            if (patch.has("path")) {
                HasMetadata replacement = parse(dir.resolve(patch.get("path").asText())).getFirst();
                assertThat(all.removeIf(r -> r.getKind().equals(replacement.getKind()) && name(r).equals(name(replacement))))
                        .as("patch %s applies to a resource", patch.get("path").asText()).isTrue();
                all.add(replacement);
            } else {
                String target = patch.at("/target/name").asText();
                String kind = patch.at("/target/kind").asText();
                int index = IntStream.range(0, all.size())
                        .filter(i -> name(all.get(i)).equals(target) && all.get(i).getKind().equals(kind))
                        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + target
                                + " for a patch in " + dir));
                all.set(index, jsonPatched(all.get(index), YAML.readTree(patch.get("patch").asText())));
            }
        }
    }

    /** {@code resource} after the {@code add} and {@code replace} operations of {@code operations}. */
    private static HasMetadata jsonPatched(HasMetadata resource, JsonNode operations) throws IOException {
        JsonNode tree = YAML.readTree(K8S.asYaml(resource));
        for (JsonNode op : operations) {
            String path = op.get("path").asText();
            int cut = path.lastIndexOf('/');
            JsonNode parent = tree.at(path.substring(0, cut));
            String last = path.substring(cut + 1);
            switch (op.get("op").asText()) {
                case "add" -> {
                    if (parent.isArray()) {
                        var array = (com.fasterxml.jackson.databind.node.ArrayNode) parent;
                        if (last.equals("-")) {
                            array.add(op.get("value"));
                        } else {
                            array.insert(Integer.parseInt(last), op.get("value"));
                        }
                    } else {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) parent).set(last, op.get("value"));
                    }
                }
                case "replace" -> {
                    assertThat(parent.has(last) || parent.isArray()).as("replace of an existing %s", path).isTrue();
                    if (parent.isArray()) {
                        ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(last), op.get("value"));
                    } else {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) parent).set(last, op.get("value"));
                    }
                }
                default -> throw new AssertionError("operation " + op.get("op") + " is not rendered by this test");
            }
        }
        try (InputStream in = new ByteArrayInputStream(YAML.writeValueAsBytes(tree))) {
            return K8S.unmarshal(in);
        }
    }

    private static List<HasMetadata> applyImages(JsonNode kustomization, Path dir, List<HasMetadata> all) {
        for (JsonNode image : kustomization.path("images")) {
            String name = image.get("name").asText();
            assertThat(images(all)).as("image %s of %s is used", name, dir)
                    .anyMatch(i -> i.equals(name) || i.startsWith(name + ":"));
            String renamed = image.path("newName").asText(name) + ":" + image.path("newTag").asText("latest");
            containers(all).filter(c -> c.getImage().equals(name) || c.getImage().startsWith(name + ":"))
                    .forEach(c -> c.setImage(renamed));
        }
        return all;
    }

    private static List<HasMetadata> parse(Path file) throws IOException {
        List<HasMetadata> docs = new ArrayList<>();
        for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
            if (!doc.isBlank() && doc.contains("kind:")) {
                try (InputStream in = new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8))) {
                    docs.add(K8S.unmarshal(in));
                }
            }
        }
        return docs;
    }

    // --- lookups ------------------------------------------------------------------------------------------------

    private static <T extends HasMetadata> List<T> of(List<HasMetadata> all, Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String name(HasMetadata resource) {
        return resource.getMetadata().getName();
    }

    private static Deployment deployment(List<HasMetadata> all, String name) {
        return of(all, Deployment.class).stream().filter(d -> name(d).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    private static Container container(List<HasMetadata> all, String deployment) {
        return deployment(all, deployment).getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    /** The names of the ConfigMaps (or Secrets) {@code container} takes its environment from. */
    private static List<String> envFrom(Container container, boolean configMaps) {
        return container.getEnvFrom().stream().map(e -> configMaps
                        ? (e.getConfigMapRef() == null ? null : e.getConfigMapRef().getName())
                        : (e.getSecretRef() == null ? null : e.getSecretRef().getName()))
                .filter(Objects::nonNull).toList();
    }

    private static Secret secret(List<HasMetadata> all, String name) {
        return of(all, Secret.class).stream().filter(s -> name(s).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret " + name));
    }

    private static ConfigMap configMap(List<HasMetadata> all) {
        return of(all, ConfigMap.class).stream().filter(c -> name(c).equals("runstream-config")).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap runstream-config"));
    }

    private static GenericKubernetesResource generic(List<HasMetadata> all, String kind) {
        return of(all, GenericKubernetesResource.class).stream().filter(r -> r.getKind().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    private static List<String> images(List<HasMetadata> all) {
        return containers(all).map(Container::getImage).toList();
    }

    /** The containers of every pod template: the Deployments' and the Jobs'. */
    private static Stream<Container> containers(List<HasMetadata> all) {
        return Stream.concat(of(all, Deployment.class).stream().map(d -> d.getSpec().getTemplate().getSpec()),
                of(all, Job.class).stream().map(j -> j.getSpec().getTemplate().getSpec()))
                .flatMap(pod -> pod.getContainers().stream());
    }

    private static Job job(List<HasMetadata> all, String name) {
        return of(all, Job.class).stream().filter(j -> name(j).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Job " + name));
    }

    private static Properties appProperties(String app) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(ROOT.resolve(app + "/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    /** A Quarkus duration such as {@code 30s}, {@code 2m} or {@code 500ms}. */
    private static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Map<String, LongFunction<Duration>> units = Map.of("ms", Duration::ofMillis,
                "s", Duration::ofSeconds, "m", Duration::ofMinutes, "h", Duration::ofHours);
        for (String unit : List.of("ms", "s", "m", "h")) {
            if (t.endsWith(unit)) {
                return units.get(unit).apply(Long.parseLong(t.substring(0, t.length() - unit.length())));
            }
        }
        return Duration.parse(text);
    }
}
