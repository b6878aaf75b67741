import { Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The HMAC key that signs confirm_action's `requestState`, generated in Secrets Manager: every
 * instance (ECS task or Lambda execution environment) must verify what another minted, so they
 * share one key. It reaches the servers as `MCP_REQUEST_STATE_KEY`.
 */
export class RequestStateKey extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly containerSecret: ecs.Secret;

  constructor(scope: Construct, id: string, owner: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `HMAC key for MCP requestState, shared by every instance of ${owner}`,
      // Letters and digits are base64 characters: 64 of them decode to a 48-byte key (>= 32 needed).
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    this.containerSecret = ecs.Secret.fromSecretsManager(this.secret);
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the key invalidates every requestState in flight (10 min TTL); rotate it by redeploying, which replaces every instance.',
    });
  }
}
