package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionsCommandTest {
    @TempDir
    Path tmp;

    private Path csv() throws IOException {
        Path p = tmp.resolve("partitions.csv");
        Files.writeString(p, "nvs,data,nvs,,0x6000\nphy_init,data,phy,,0x1000\nfactory,app,factory,,1M\n");
        return p;
    }

    @Test
    void convertsCsvToBinaryAndBack() throws IOException {
        Path bin = tmp.resolve("partitions.bin");
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", csv().toString(), bin.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(0xC00, Files.size(bin));
        NvsCommandTest.Result back = NvsCommandTest.run("partitions", bin.toString());
        assertEquals(0, back.exit(), back.err());
        assertTrue(back.out().contains("nvs,data,nvs,0x9000,24K,\nphy_init,data,phy,0xf000,4K,\nfactory,app,factory,0x10000,1M,\n"),
                back.out());
    }

    @Test
    void refusesAFileThatIsNeitherTableNorCsv() throws IOException {
        Path junk = tmp.resolve("junk.bin");
        Files.write(junk, new byte[] {0x01, (byte) 0xFF, 0x00, 0x7F, (byte) 0xC3, 0x28});
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", junk.toString());
        assertEquals(2, r.exit());
        assertEquals("error: " + junk + " is neither a partition table binary (it would start with aa 50) nor a CSV "
                + "(it is not UTF-8 text)\n", r.err());
    }

    @Test
    void generatedProjectsTableIsValid() throws IOException {
        Path project = tmp.resolve("project");
        assertEquals(0, CliRun.of("generate", "../examples/env-sensor.yaml", "-o", project.toString()).exitCode());
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", project.resolve("partitions.csv").toString(),
                "--find", "certs", "--flash-size", "4MB");
        assertEquals(0, r.exit(), r.err());
        assertEquals("certs offset=0x12000 size=0x6000 type=0x01 subtype=0x02\n", r.out());
    }

    @Test
    void findsPartitionByName() throws IOException {
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", csv().toString(), "--find", "nvs");
        assertEquals("nvs offset=0x9000 size=0x6000 type=0x01 subtype=0x02\n", r.out());
    }

    @Test
    void tableBeyondFlashIsRefusedWithoutOutput() throws IOException {
        Path bin = tmp.resolve("p.bin");
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", csv().toString(), bin.toString(), "--flash-size", "1M");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: " + tmp.resolve("partitions.csv") + ": partition 'factory' ends at 0x110000"),
                r.err());
        assertFalse(Files.exists(bin));
    }

    @Test
    void emptyCsvIsRefusedWithOneLine() throws IOException {
        Path empty = tmp.resolve("empty.csv");
        Files.writeString(empty, "# nothing here\n");
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", empty.toString(), tmp.resolve("p.bin").toString());
        assertEquals(2, r.exit());
        assertEquals("error: " + empty + ": holds no partitions; expected lines name,type,subtype,offset,size[,flags]\n",
                r.err());
        assertFalse(Files.exists(tmp.resolve("p.bin")));
    }

    @Test
    void outputThatIsAFolderIsRefused() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("p.bin"));
        NvsCommandTest.Result r = NvsCommandTest.run("partitions", csv().toString(), folder.toString());
        assertEquals(2, r.exit());
        assertEquals("error: " + folder + ": is a folder; give the path of the file to write\n", r.err());
    }
}
