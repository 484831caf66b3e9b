package io.runstream.config;

import java.net.InetAddress;

/** Default names of this process where Redis needs one (consumer names, worker ids). */
public final class InstanceNames {

    private InstanceNames() {
    }

    /**
     * {@code <host name>-<pid>}: unique per process on a host, readable in {@code XINFO CONSUMERS}. The host name
     * is {@code HOSTNAME} (the pod name on Kubernetes) when set.
     */
    public static String hostAndPid() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "runstream";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
