import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, Input, SecretInput } from '@grafana/ui';
import { HomeostatOptions, HomeostatSecureJsonData } from '../types';
import { testIds } from './testIds';

interface Props extends DataSourcePluginOptionsEditorProps<HomeostatOptions, HomeostatSecureJsonData> {}

type Service = 'detector' | 'remediator';

const LABEL_WIDTH = 20;

/**
 * Where Grafana's server reaches the detector and the remediator, and their bearer tokens. Tokens
 * go to secureJsonData: once saved, the browser only learns that they are set.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};

  const onUrlChange = (service: Service) => (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, [`${service}Url`]: event.target.value.trim() } });
  };

  const onTokenChange = (service: Service) => (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [`${service}Token`]: event.target.value } });
  };

  const onTokenReset = (service: Service) => () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [`${service}Token`]: false },
      secureJsonData: { ...secureJsonData, [`${service}Token`]: '' },
    });
  };

  return (
    <>
      <InlineField
        label="Detector URL"
        labelWidth={LABEL_WIDTH}
        htmlFor="homeostat-detector-url"
        tooltip="Base URL of the Homeostat detector as Grafana's server reaches it"
      >
        <Input
          id="homeostat-detector-url"
          data-testid={testIds.configEditor.detectorUrl}
          value={jsonData.detectorUrl ?? ''}
          placeholder="http://127.0.0.1:8090"
          width={40}
          onChange={onUrlChange('detector')}
        />
      </InlineField>
      <InlineField label="Detector token" labelWidth={LABEL_WIDTH} htmlFor="homeostat-detector-token">
        <SecretInput
          id="homeostat-detector-token"
          isConfigured={Boolean(secureJsonFields?.detectorToken)}
          value={secureJsonData.detectorToken ?? ''}
          placeholder="bearer token (optional)"
          width={40}
          onChange={onTokenChange('detector')}
          onReset={onTokenReset('detector')}
        />
      </InlineField>
      <InlineField
        label="Remediator URL"
        labelWidth={LABEL_WIDTH}
        htmlFor="homeostat-remediator-url"
        tooltip="Base URL of the Homeostat remediator as Grafana's server reaches it"
      >
        <Input
          id="homeostat-remediator-url"
          data-testid={testIds.configEditor.remediatorUrl}
          value={jsonData.remediatorUrl ?? ''}
          placeholder="http://127.0.0.1:8091"
          width={40}
          onChange={onUrlChange('remediator')}
        />
      </InlineField>
      <InlineField label="Remediator token" labelWidth={LABEL_WIDTH} htmlFor="homeostat-remediator-token">
        <SecretInput
          id="homeostat-remediator-token"
          isConfigured={Boolean(secureJsonFields?.remediatorToken)}
          value={secureJsonData.remediatorToken ?? ''}
          placeholder="bearer token (optional)"
          width={40}
          onChange={onTokenChange('remediator')}
          onReset={onTokenReset('remediator')}
        />
      </InlineField>
    </>
  );
}
