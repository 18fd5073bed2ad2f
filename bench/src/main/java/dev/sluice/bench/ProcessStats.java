package dev.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** CPU time and memory of this JVM process, and the machine it runs on (Linux {@code /proc}, where available). */
final class ProcessStats {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CPU_INFO = Path.of("/proc/cpuinfo");
    private static final Path LOAD_AVERAGE = Path.of("/proc/loadavg");
    private static final Path FILE_DESCRIPTORS = Path.of("/proc/self/fd");

    private ProcessStats() {}

    /** CPU time used by the whole process (all threads, user + system), in nanoseconds. */
    static long cpuNanos() {
        return OS.getProcessCpuTime();
    }

    /** Resident set size now ({@code VmRSS}), in bytes; -1 where {@code /proc} is missing. */
    static long rssBytes() {
        return statusKilobytes("VmRSS:") * 1024;
    }

    /** The peak resident set size since the process started ({@code VmHWM}), in bytes; -1 where unknown. */
    static long peakRssBytes() {
        return statusKilobytes("VmHWM:") * 1024;
    }

    /** Open file descriptors of this process ({@code /proc/self/fd}); -1 where unknown. */
    static int openFileDescriptors() {
        try (var entries = Files.list(FILE_DESCRIPTORS)) {
            return (int) entries.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The first {@code model name} in {@code /proc/cpuinfo}, or the OS architecture where there is none. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(CPU_INFO)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    /**
     * The 1, 5 and 15 minute load averages ("n/a" where unknown): another busy process on a 2-core machine skews
     * every number, so the report shows them from before and after the run.
     */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(LOAD_AVERAGE).strip().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    /** Resident set size now of another process ({@code /proc/<pid>/status}), in kilobytes; -1 when it is gone. */
    static long rssKilobytes(long pid) {
        return statusKilobytes(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /**
     * CPU time (user and system, in clock ticks) of another process's threads, grouped by thread name with digits
     * replaced by {@code #} (so the carriers of virtual threads, {@code ForkJoinPool-#-worker-#}, are one group), from
     * {@code /proc/<pid>/task/*}. Empty when not on Linux. Threads that ended between two snapshots are missing from
     * the later one, so compare groups of long-lived threads.
     */
    static Map<String, Long> threadTicksByGroup(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    String stat = Files.readString(task.resolve("stat"));
                    // Fields after the parenthesised name: state is the 3rd, utime the 14th, stime the 15th.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    groups.merge(name.replaceAll("\\d+", "#"), ticks, Long::sum);
                } catch (IOException | RuntimeException threadEnded) {
                    // gone between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return groups;
    }

    private static long statusKilobytes(String field) {
        return statusKilobytes(STATUS, field);
    }

    private static long statusKilobytes(Path status, String field) {
        try {
            List<String> lines = Files.readAllLines(status);
            for (String line : lines) {
                if (line.startsWith(field)) {
                    String value = line.substring(field.length()).strip();
                    return Long.parseLong(value.split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
