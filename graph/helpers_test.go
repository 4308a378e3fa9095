package graph_test

import "switchboard/internal/pulid"

func pulidOf(s string) pulid.ID { return pulid.ID(s) }
