import { useMemo, useState } from 'react';
import { account, type MfaSetup } from '../../api';
import { useAuth, useUser } from '../../auth-context';
import { SettingsSection } from '../../components/settings-layout';
import { Alert, Button, CopyButton, ErrorMessage, Field } from '../../components/ui';
import { safeFilename, saveBlob } from '../../download';
import { useAction } from '../../use-action';

/**
 * The server's QR code (an SVG document) as an image: it is shown through <img src="data:…">, where any script in it
 * could not run, and never parsed into this page.
 */
export function qrImageSource(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export function MfaTab() {
  const user = useUser();
  const { setUser } = useAuth();
  const [setup, setSetup] = useState<MfaSetup | undefined>();
  const [code, setCode] = useState('');
  const [backupCodes, setBackupCodes] = useState<string[] | undefined>();
  const [password, setPassword] = useState('');
  const [disableCode, setDisableCode] = useState('');
  const [disabled, setDisabled] = useState(false);

  const start = useAction(async () => {
    setSetup(await account.mfaSetup());
    setBackupCodes(undefined);
    setDisabled(false);
  });
  const enable = useAction(async () => {
    const result = await account.mfaEnable(code.replace(/\s+/g, ''));
    setBackupCodes(result.backupCodes);
    setSetup(undefined);
    setCode('');
    setUser({ ...user, mfaEnabled: true });
  });
  const regenerate = useAction(async () => {
    const result = await account.backupCodes({ password, code: disableCode.replace(/\s+/g, '') });
    setBackupCodes(result.backupCodes);
    setPassword('');
    setDisableCode('');
  });
  const disable = useAction(async () => {
    await account.mfaDisable({ password, code: disableCode.replace(/\s+/g, '') });
    setPassword('');
    setDisableCode('');
    setBackupCodes(undefined);
    setDisabled(true);
    setUser({ ...user, mfaEnabled: false });
  });
  const qrSource = useMemo(() => (setup ? qrImageSource(setup.qrSvg) : undefined), [setup]);

  return (
    <>
      {backupCodes ? <BackupCodes codes={backupCodes} email={user.email} /> : null}
      {disabled ? <Alert tone="success">Two-factor authentication is off.</Alert> : null}
      {!user.mfaEnabled && !setup ? (
        <SettingsSection
          title="Two-factor authentication"
          description="After your password, sign-in also asks for a code from an authenticator app on your phone."
        >
          <ErrorMessage error={start.error} />
          <div>
            <Button variant="primary" busy={start.busy} onClick={() => void start.run()}>
              Set up two-factor authentication
            </Button>
          </div>
        </SettingsSection>
      ) : null}
      {setup ? (
        <SettingsSection title="Scan the QR code">
          <ol className="steps">
            <li>Open your authenticator app (1Password, Authy, Google Authenticator, …) and add an account.</li>
            <li>Scan this code, or type the key below.</li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          <div className="mfa-setup">
            <img src={qrSource} alt="QR code for your authenticator app" width={200} height={200} className="qr" />
            <div className="stack">
              <div>
                <div className="muted small">Key</div>
                <div className="copy-row">
                  <code className="break">{setup.secret}</code>
                  <CopyButton text={setup.secret} />
                </div>
              </div>
              <form className="stack" onSubmit={enable.onSubmit}>
                <Field
                  label="Code from the app"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]{6,7}"
                  required
                  maxLength={7}
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
                <ErrorMessage error={enable.error} />
                <div className="form-actions">
                  <Button type="submit" variant="primary" busy={enable.busy}>
                    Turn on
                  </Button>
                  <Button variant="ghost" onClick={() => setSetup(undefined)}>
                    Cancel
                  </Button>
                </div>
              </form>
            </div>
          </div>
        </SettingsSection>
      ) : null}
      {user.mfaEnabled ? (
        <SettingsSection
          title="Two-factor authentication is on"
          description="To get new backup codes or turn it off, confirm with your password and a current code."
        >
          <form className="stack" onSubmit={(event) => event.preventDefault()}>
            <input type="email" autoComplete="username" value={user.email} readOnly hidden />
            <Field
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <Field
              label="Code from the app (or a backup code)"
              autoComplete="one-time-code"
              required
              maxLength={32}
              value={disableCode}
              onChange={(e) => setDisableCode(e.target.value)}
            />
            <ErrorMessage error={regenerate.error ?? disable.error} />
            <div className="form-actions">
              <Button busy={regenerate.busy} onClick={() => void regenerate.run()}>
                New backup codes
              </Button>
              <Button variant="danger" busy={disable.busy} onClick={() => void disable.run()}>
                Turn off
              </Button>
            </div>
          </form>
        </SettingsSection>
      ) : null}
    </>
  );
}

function BackupCodes({ codes, email }: { codes: string[]; email: string }) {
  const text = codes.join('\n');
  return (
    <SettingsSection title="Your backup codes">
      <Alert tone="warning">
        Save these now: they are shown only once. Each works one time, in place of a code from the app, if you lose your
        phone.
      </Alert>
      <ul className="backup-codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <CopyButton text={text} label="Copy all" small={false} />
        <Button
          onClick={() =>
            saveBlob(
              new Blob([`Sightline backup codes for ${email}\n\n${text}\n`], { type: 'text/plain' }),
              `${safeFilename('sightline-backup-codes', email)}.txt`,
            )
          }
        >
          Download
        </Button>
      </div>
    </SettingsSection>
  );
}
