import { SettingsSection } from './settings-layout';
import { Alert, Button, CodeBlock } from './ui';

/**
 * A key just created: the server keeps only its hash, so this is the one time it can be shown. It stays on screen,
 * with an example request that uses it, until the user says it is stored.
 */
export function RevealedKey({
  name,
  token,
  label,
  warning,
  example,
  exampleIntro,
  onStored,
}: {
  name: string;
  token: string;
  /** What the key is ("API key", "Ingest key"): the code block's label. */
  label: string;
  warning: string;
  example: string;
  exampleIntro?: string;
  onStored: () => void;
}) {
  return (
    <SettingsSection title={`New key “${name}”`}>
      <Alert tone="warning">{warning}</Alert>
      <CodeBlock code={token} label={label} />
      {exampleIntro ? <p className="muted small">{exampleIntro}</p> : null}
      <CodeBlock label="Example request" code={example} />
      <Button small onClick={onStored}>
        I have stored it
      </Button>
    </SettingsSection>
  );
}
