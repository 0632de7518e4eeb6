import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { HomeostatOptions, HomeostatSecureJsonData } from '../types';
import { SERVICES, Service, ServiceFields } from './ServiceFields';

type Props = DataSourcePluginOptionsEditorProps<HomeostatOptions, HomeostatSecureJsonData>;

/**
 * Where Grafana's server reaches the detector and the remediator, and their bearer tokens. Tokens
 * go to secureJsonData: once saved, the browser only learns that they are set.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};

  const onUrlChange = (service: Service) => (url: string) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, [`${service}Url`]: url } });
  };

  const onTokenChange = (service: Service) => (token: string) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [`${service}Token`]: token } });
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
      {SERVICES.map((service) => (
        <ServiceFields
          key={service}
          service={service}
          url={jsonData[`${service}Url`] ?? ''}
          token={secureJsonData[`${service}Token`] ?? ''}
          tokenConfigured={Boolean(secureJsonFields?.[`${service}Token`])}
          onUrlChange={onUrlChange(service)}
          onTokenChange={onTokenChange(service)}
          onTokenReset={onTokenReset(service)}
        />
      ))}
    </>
  );
}
