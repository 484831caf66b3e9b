package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP calls the end-to-end tests make to the api. */
final class RunstreamClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final AppProcesses apps;

    RunstreamClient(AppProcesses apps) {
        this.apps = apps;
    }

    /** Submits a run; returns its id. */
    String submit(String pipeline, String input) {
        HttpResponse<String> response = post("/api/runs", "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return read(response.body()).get("id").asText();
    }

    /** Submits a run to {@code queue}; returns the response, whatever its status. */
    HttpResponse<String> submitTo(String queue, String pipeline, String input) {
        return post("/api/runs", "{\"pipeline\":\"" + pipeline + "\",\"queue\":\"" + queue + "\",\"input\":"
                + input + "}");
    }

    JsonNode run(String id) {
        return get("/api/runs/" + id);
    }

    String status(String id) {
        return run(id).get("status").asText();
    }

    /** Every run of {@code pipeline} with {@code status}, following the cursor through all pages. */
    List<JsonNode> list(String pipeline, String status) {
        List<JsonNode> runs = new ArrayList<>();
        String cursor = "";
        do {
            JsonNode page = get("/api/runs?limit=500&pipeline=" + pipeline + "&status=" + status + "&cursor=" + cursor);
            page.get("items").forEach(runs::add);
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
        } while (cursor != null);
        return runs;
    }

    HttpResponse<String> post(String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(apps.api(path));
        if (!body.isEmpty()) {
            request.header("content-type", "application/json");
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    JsonNode get(String path) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(apps.api(path)).build());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return read(response.body());
    }

    /** The status code of a DELETE of {@code path}. */
    int delete(String path) {
        return send(HttpRequest.newBuilder(apps.api(path)).DELETE().build()).statusCode();
    }

    /** The status code of a GET of {@code path}. */
    int getStatus(String path) {
        return send(HttpRequest.newBuilder(apps.api(path)).build()).statusCode();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return apps.http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
