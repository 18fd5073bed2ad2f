package dev.sluice.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;

/** The JVM, OS and CPU a run measured, for the report: numbers without their machine mean little. */
record Machine(
        String java,
        String vm,
        String os,
        String cpuModel,
        int processors,
        String garbageCollectors,
        long maxHeapBytes,
        List<String> jvmArguments) {

    static Machine current() {
        return new Machine(
                Runtime.version().toString(),
                System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                ProcessStats.cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                String.join(
                        ", ",
                        ManagementFactory.getGarbageCollectorMXBeans().stream()
                                .map(GarbageCollectorMXBean::getName)
                                .toList()),
                Runtime.getRuntime().maxMemory(),
                ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
}
