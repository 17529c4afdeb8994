package dev.espfleet.host;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Test support: the MQTT side the AWS stand-ins share (shadow, jobs, fleet provisioning). A client on the test
 * broker whose messages go, in arrival order, to the stand-in's own worker thread (Paho's callback thread must
 * not block: a handler publishes), connected over mutual TLS with a clean session, subscribed at QoS 1.
 */
final class StandInMqtt {
    private StandInMqtt() {
    }

    /** A client of the test broker named {@code clientId}, not yet connected. */
    static MqttClient client(Mosquitto broker, String clientId) throws MqttException {
        return new MqttClient("ssl://localhost:" + broker.port(), clientId, new MemoryPersistence());
    }

    /** Hands every message (topic, UTF-8 payload) to {@code handle} on {@code worker}, in arrival order. */
    static void dispatch(MqttClient client, ExecutorService worker, BiConsumer<String, String> handle) {
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                // a scenario that stops the broker connects again itself
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
                worker.submit(() -> handle.accept(topic, payload));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
    }

    /** Connects (10 s deadline, at most {@code maxInflight} QoS 1 messages unacknowledged) and subscribes. */
    static void connect(MqttClient client, SSLSocketFactory tls, int maxInflight, String... topics)
            throws MqttException {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setSocketFactory(tls);
        options.setCleanSession(true);
        options.setMaxInflight(maxInflight);
        options.setConnectionTimeout(10);
        client.connect(options);
        int[] qos = new int[topics.length];
        Arrays.fill(qos, 1);
        client.subscribe(topics, qos);
    }
}
