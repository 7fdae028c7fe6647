package io.nkd.ignition.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.ConformanceData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One row per merge rule: parent, child and the merged config, JSON written with single quotes. */
class MergeRulesTest {

    static JsonNode json(String singleQuoted) {
        try {
            return ConformanceData.JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(singleQuoted, e);
        }
    }

    private static Arguments row(String name, String parent, String child, String expected) {
        return Arguments.of(name, parent, child, expected);
    }

    static Stream<Arguments> rows() {
        String v = "'ignition':{'version':'3.4.0'}";
        return Stream.of(
                row("child scalar overrides",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','contents':'p','mask':false}]}}",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','contents':'c'}]}}",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','contents':'c','mask':false}]}}"),
                row("explicit false, 0 and empty string override",
                        "{" + v + ",'passwd':{'users':[{'name':'u','system':true,'uid':1000,'shell':'/bin/sh'}]}}",
                        "{" + v + ",'passwd':{'users':[{'name':'u','system':false,'uid':0,'shell':''}]}}",
                        "{" + v + ",'passwd':{'users':[{'name':'u','system':false,'uid':0,'shell':''}]}}"),
                row("null in the child is an unset pointer",
                        "{" + v + ",'storage':{'files':[{'path':'/a','mode':420}]}}",
                        "{" + v + ",'storage':{'files':[{'path':'/a','mode':null}]}}",
                        "{" + v + ",'storage':{'files':[{'path':'/a','mode':420}]}}"),
                row("version always from the child",
                        "{'ignition':{'version':'3.4.0'}}", "{'ignition':{'version':'3.3.0'}}", "{'ignition':{'version':'3.3.0'}}"),
                row("version absent from the child stays absent",
                        "{'ignition':{'version':'3.4.0'}}", "{'ignition':{}}", "{'ignition':{}}"),
                row("keyed entries merge in place, new ones are appended in child order",
                        "{" + v + ",'passwd':{'groups':[{'name':'a','gid':1},{'name':'b','gid':2}]}}",
                        "{" + v + ",'passwd':{'groups':[{'name':'d'},{'name':'b','system':true},{'name':'c'}]}}",
                        "{" + v + ",'passwd':{'groups':[{'name':'a','gid':1},{'name':'b','gid':2,'system':true},{'name':'d'},{'name':'c'}]}}"),
                row("a child link replaces a parent file of the same path",
                        "{" + v + ",'storage':{'files':[{'path':'/a','mode':420},{'path':'/b'}]}}",
                        "{" + v + ",'storage':{'links':[{'path':'/a','target':'/t'}]}}",
                        "{" + v + ",'storage':{'files':[{'path':'/b'}],'links':[{'path':'/a','target':'/t'}]}}"),
                row("kernel arguments move between lists",
                        "{" + v + ",'kernelArguments':{'shouldExist':['a','b'],'shouldNotExist':['c']}}",
                        "{" + v + ",'kernelArguments':{'shouldExist':['c'],'shouldNotExist':['a']}}",
                        "{" + v + ",'kernelArguments':{'shouldExist':['b','c'],'shouldNotExist':['a']}}"),
                row("concatenated lists keep repeats",
                        "{" + v + ",'storage':{'luks':[{'name':'l','options':['-a']}],'raid':[{'name':'r','options':['-x']}]}}",
                        "{" + v + ",'storage':{'luks':[{'name':'l','options':['-a']}],'raid':[{'name':'r','options':['-y']}]}}",
                        "{" + v + ",'storage':{'luks':[{'name':'l','options':['-a','-a']}],'raid':[{'name':'r','options':['-x','-y']}]}}"),
                row("string lists are sets",
                        "{" + v + ",'storage':{'raid':[{'name':'r','devices':['/a','/b']}]}}",
                        "{" + v + ",'storage':{'raid':[{'name':'r','devices':['/c','/a']}]}}",
                        "{" + v + ",'storage':{'raid':[{'name':'r','devices':['/a','/b','/c']}]}}"),
                row("header without value deletes, with value overrides",
                        "{" + v + ",'ignition':{'version':'3.4.0','config':{'replace':{'source':'http://x','httpHeaders':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}}}}",
                        "{'ignition':{'version':'3.4.0','config':{'replace':{'httpHeaders':[{'name':'B'},{'name':'A','value':'3'}]}}}}",
                        "{'ignition':{'version':'3.4.0','config':{'replace':{'source':'http://x','httpHeaders':[{'name':'A','value':'3'}]}}}}"),
                row("partitions by number, else by label",
                        "{" + v + ",'storage':{'disks':[{'device':'/d','partitions':[{'number':1,'label':'a'},{'label':'b','sizeMiB':1}]}]}}",
                        "{" + v + ",'storage':{'disks':[{'device':'/d','partitions':[{'label':'b','sizeMiB':2},{'number':1,'sizeMiB':3}]}]}}",
                        "{" + v + ",'storage':{'disks':[{'device':'/d','partitions':[{'number':1,'label':'a','sizeMiB':3},{'label':'b','sizeMiB':2}]}]}}"),
                row("an empty child object keeps the parent's",
                        "{" + v + ",'storage':{'files':[{'path':'/a','user':{'name':'core'}}]}}",
                        "{" + v + ",'storage':{'files':[{'path':'/a','user':{}}]}}",
                        "{" + v + ",'storage':{'files':[{'path':'/a','user':{'name':'core'}}]}}"),
                row("empty lists and objects are dropped from the output",
                        "{" + v + ",'storage':{'files':[]},'systemd':{}}",
                        "{" + v + ",'passwd':{'users':[]}}",
                        "{" + v + "}"),
                row("the last of repeated child entries is merged",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','mask':true}]}}",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','enabled':true},{'name':'a.service','enabled':false}]}}",
                        "{" + v + ",'systemd':{'units':[{'name':'a.service','mask':true,'enabled':false}]}}"),
                row("3.2 link target is a plain string, always from the child",
                        "{'ignition':{'version':'3.2.0'},'storage':{'links':[{'path':'/l','target':'/t'}]}}",
                        "{'ignition':{'version':'3.2.0'},'storage':{'links':[{'path':'/l','hard':true}]}}",
                        "{'ignition':{'version':'3.2.0'},'storage':{'links':[{'path':'/l','hard':true}]}}"),
                row("3.3 link target is a pointer",
                        "{'ignition':{'version':'3.3.0'},'storage':{'links':[{'path':'/l','target':'/t'}]}}",
                        "{'ignition':{'version':'3.3.0'},'storage':{'links':[{'path':'/l','hard':true}]}}",
                        "{'ignition':{'version':'3.3.0'},'storage':{'links':[{'path':'/l','target':'/t','hard':true}]}}"),
                row("3.2 clevis custom merges field by field, pin and config from the child",
                        "{'ignition':{'version':'3.2.0'},'storage':{'luks':[{'name':'l','clevis':{'custom':{'pin':'tpm2','config':'{}','needsNetwork':true}}}]}}",
                        "{'ignition':{'version':'3.2.0'},'storage':{'luks':[{'name':'l','clevis':{'custom':{'pin':'tang'}}}]}}",
                        "{'ignition':{'version':'3.2.0'},'storage':{'luks':[{'name':'l','clevis':{'custom':{'pin':'tang','needsNetwork':true}}}]}}"),
                row("unknown lists of objects merge as sets of equal entries",
                        "{" + v + ",'x':[{'a':1},{'b':2}]}",
                        "{" + v + ",'x':[{'b':2},{'c':3}]}",
                        "{" + v + ",'x':[{'a':1},{'b':2},{'c':3}]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void merges(String name, String parent, String child, String expected) {
        JsonNode p = json(parent);
        JsonNode c = json(child);
        JsonNode pBefore = p.deepCopy();
        JsonNode cBefore = c.deepCopy();
        assertEquals(json(expected), IgnitionMerger.merge(p, c).config());
        assertEquals(pBefore, p);
        assertEquals(cBefore, c);
    }
}
