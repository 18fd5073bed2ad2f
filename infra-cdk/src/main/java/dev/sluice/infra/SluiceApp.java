package dev.sluice.infra;

import software.amazon.awscdk.App;

/**
 * The CDK app: {@code cd infra-cdk && npx aws-cdk@2.1148.1 deploy -c stage=dev}. Context keys and their defaults
 * are in {@link SluiceSettings}, {@code cdk.json} and the module README.
 */
public final class SluiceApp {

    private SluiceApp() {}

    public static void main(String[] args) {
        App app = new App();
        new SluiceStack(app, SluiceSettings.fromContext(app.getNode()::tryGetContext));
        app.synth();
    }
}
