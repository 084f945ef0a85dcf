// Command gobgolden writes the gob bytes of one named case to stdout, as Go's encoding/gob
// encodes it in a fresh process (type ids are process-wide, so each case runs alone).
// "gobgolden -list" prints the case names. The Java codec's tests compare against these bytes.
package main

import (
	"encoding/gob"
	"fmt"
	"math"
	"net/rpc"
	"os"
	"sort"

	"legacyproto"
)

type nested struct {
	Name   string
	Labels map[string]map[string][]int
	Ports  []int
	Inner  inner
	Any    interface{}
}

type inner struct {
	On    bool
	Ratio float64
	Blob  []byte
}

var cases = map[string]func(e *gob.Encoder) error{
	"ints": func(e *gob.Encoder) error {
		for _, i := range []int{0, 1, -1, 63, 64, 127, 128, -129, 256, 1 << 40, math.MaxInt64, math.MinInt64} {
			if err := e.Encode(i); err != nil {
				return err
			}
		}
		return nil
	},
	"uints": func(e *gob.Encoder) error {
		for _, u := range []uint64{0, 7, 127, 128, 255, 256, 65535, math.MaxUint64} {
			if err := e.Encode(u); err != nil {
				return err
			}
		}
		return nil
	},
	"basics": func(e *gob.Encoder) error {
		for _, v := range []interface{}{true, false, "", "hello", "héllo ∞", []byte{0, 1, 255}, 1.5, -0.25, 17.0} {
			if err := e.Encode(v); err != nil {
				return err
			}
		}
		return nil
	},
	"slices": func(e *gob.Encoder) error {
		if err := e.Encode([]string{"a", "", "bc"}); err != nil {
			return err
		}
		if err := e.Encode([]int{3, -4, 0}); err != nil {
			return err
		}
		return e.Encode([][]string{{"x"}, {}, {"y", "z"}})
	},
	"maps": func(e *gob.Encoder) error {
		if err := e.Encode(map[string]int{"one": 1}); err != nil {
			return err
		}
		return e.Encode(map[string]map[string][]int{"outer": {"inner": {1, 2}}})
	},
	"struct": func(e *gob.Encoder) error {
		v := nested{
			Name:   "m1",
			Labels: map[string]map[string][]int{"a": {"b": {7}}},
			Ports:  []int{22, 2376},
			Inner:  inner{On: true, Ratio: 0.5, Blob: []byte("xy")},
			Any:    "text",
		}
		if err := e.Encode(v); err != nil {
			return err
		}
		// The same type again: no definitions the second time; zero fields left out.
		return e.Encode(nested{Name: "m2"})
	},
	"flags": func(e *gob.Encoder) error {
		// GetCreateFlags' reply: []mcnflag.Flag, interface values of four registered types.
		flags := []legacyproto.Flag{
			&legacyproto.StringFlag{Name: "url", Usage: "URL of the host", EnvVar: "NONE_URL", Value: "tcp://x"},
			&legacyproto.IntFlag{Name: "legacytest-cpus", Usage: "CPUs", Value: 2},
			&legacyproto.BoolFlag{Name: "legacytest-fail", Usage: "fail", EnvVar: "LT_FAIL"},
			&legacyproto.StringSliceFlag{Name: "legacytest-tag", Usage: "tags", Value: []string{"a", "b"}},
			&legacyproto.StringFlag{Name: "second", Usage: "same type again"},
		}
		return e.Encode(&flags)
	},
	"rpcflags": func(e *gob.Encoder) error {
		// SetConfigFromFlags' argument: a DriverOptions interface holding *rpcdriver.RPCFlags,
		// whose map values are interfaces of basic types ([]string needs a definition inside).
		for _, values := range []map[string]interface{}{
			{"url": "tcp://127.0.0.1:2376"},
			{"legacytest-cpus": 4},
			{"legacytest-fail": true},
			{"legacytest-tag": []string{"x", "y"}},
			{"legacytest-tag": []string{"again"}},
		} {
			var opts legacyproto.DriverOptions = &legacyproto.RPCFlags{Values: values}
			if err := e.Encode(&opts); err != nil {
				return err
			}
		}
		return nil
	},
	"rpc-requests": func(e *gob.Encoder) error {
		// What a Go net/rpc client writes on one connection: header, body, header, body …
		calls := []struct {
			method string
			body   interface{}
		}{
			{"RPCServerDriver.GetVersion", struct{}{}},
			{"RPCServerDriver.SetConfigRaw", []byte(`{"MachineName":"m1"}`)},
			{"RPCServerDriver.GetState", struct{}{}},
		}
		for i, c := range calls {
			if err := e.Encode(&rpc.Request{ServiceMethod: c.method, Seq: uint64(i)}); err != nil {
				return err
			}
			if err := e.Encode(c.body); err != nil {
				return err
			}
		}
		return nil
	},
	"rpc-responses": func(e *gob.Encoder) error {
		// What a Go net/rpc server writes: a reply, an error (with an empty struct body), a reply.
		if err := e.Encode(&rpc.Response{ServiceMethod: "RPCServerDriver.GetVersion", Seq: 0}); err != nil {
			return err
		}
		if err := e.Encode(1); err != nil {
			return err
		}
		if err := e.Encode(&rpc.Response{ServiceMethod: "RPCServerDriver.Start", Seq: 1, Error: "machine is on fire"}); err != nil {
			return err
		}
		if err := e.Encode(struct{}{}); err != nil {
			return err
		}
		if err := e.Encode(&rpc.Response{ServiceMethod: "RPCServerDriver.GetURL", Seq: 2}); err != nil {
			return err
		}
		return e.Encode("tcp://127.0.0.1:2376")
	},
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-list" {
		names := make([]string, 0, len(cases))
		for name := range cases {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Println(name)
		}
		return
	}
	if len(os.Args) != 2 || cases[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: gobgolden -list | gobgolden CASE")
		os.Exit(2)
	}
	if err := cases[os.Args[1]](gob.NewEncoder(os.Stdout)); err != nil {
		fmt.Fprintln(os.Stderr, "gobgolden:", err)
		os.Exit(1)
	}
}
