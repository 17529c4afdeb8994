key,type,encoding,value
${identity.namespace},namespace,,
<#if !identity.thingNamePinned>
${identity.thingNameKey},data,string,THING_NAME
</#if>
${identity.endpointKey},data,string,${identity.endpoint}
${identity.deviceCertKey},file,string,cert.pem
${identity.privateKeyKey},file,string,key.pem
<#if identity.wifiInIdentityPartition>
${identity.wifiNamespace},namespace,,
${identity.wifiSsidKey},data,string,WIFI_SSID
${identity.wifiPasswordKey},data,string,WIFI_PASSWORD
</#if>
