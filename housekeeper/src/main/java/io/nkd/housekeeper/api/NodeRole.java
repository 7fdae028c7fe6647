package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum NodeRole {
    @JsonProperty("ControlPlane") CONTROL_PLANE,
    @JsonProperty("Worker") WORKER
}
