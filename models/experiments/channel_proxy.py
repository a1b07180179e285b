# Channel-robustness proxy (numpy): an MLP (M=mlp) or logistic regression (default) on the statistics
# of a clip's speech frames (active frames from the clean audio's RMS), with causal session
# normalisation per speaker, trained on the non-test, non-validation speakers through the given
# channels and scored (UA) on the validation speakers through each channel. Feature transforms of
# the log-mel before the MFCCs: plain, pfloorXX (floor XX dB below each frame's loudest band, the
# feature option melFloorDb), floorXX (floor below the session's speech level), sub (noise floor
# subtraction). Needs `npx tsx models/experiments/dump-channels.ts clean noise:10 noise:20 phone`.
#   M=mlp python3 models/experiments/channel_proxy.py plain,pfloor30,pfloor40 clean,clean+noise20
# PERCLIP=1 draws the training channel per clip instead of per session.
import numpy as np, os, sys, time
from proxy_models import E7, fit_mlp, labels, load_frames, mlp_logits, train_lr, ua
CH=['clean','noise10','noise20','phone']
paths,clean=load_frames('.cache/experiments/ch-clean')
data={'clean':clean}
for c in CH[1:]: data[c]=load_frames(f'.cache/experiments/ch-{c}')[1]
lab,spk,corp=labels(paths)
corp=np.array(corp)
y=np.array([E7.index(l) if l else -1 for l in lab]); valid=y>=0
test=np.array([(c=='r' and int(s[1:])>=19) or (c=='e' and s[1:] in('15','16')) for c,s in zip(corp,spk)])
val=np.array([(c=='r' and 15<=int(s[1:])<=18) or (c=='e' and s[1:] in('11','13')) for c,s in zip(corp,spk)])
trm=~test&~val
# active frames from clean rms (a working VAD)
act=[]
for c in clean:
    e=c[:,64]; m=e>np.max(e)*0.05
    act.append(m if m.sum()>5 else np.ones(len(e),bool))
# DCT-II ortho 64->40
n=64; k=np.arange(40)[:,None]; i=np.arange(n)[None,:]
D=np.sqrt(2/n)*np.cos(np.pi*k*(2*i+1)/(2*n)); D[0]/=np.sqrt(2)
def transform(lm, mode, ctx):
    # lm: frames x 64 dB (whole clip); ctx: per-session dict (causal state)
    if mode=='plain': return lm
    P=10**(lm/10)
    if 'sub' in mode:
        N=np.percentile(P,10,axis=0)  # per-band noise floor from the clip's quiet frames
        P=np.maximum(P-2*N, 0.1*P) if 'sub2' in mode else np.maximum(P-N,0.05*P)
    if mode.startswith('pfloor'):
        X=float(mode[6:8])
        return 10*np.log10(P+P.max(1,keepdims=True)*10**(-X/10)+1e-10)
    if 'floor' in mode:
        X=float(mode.split('floor')[1][:2])
        ref=ctx.get('ref')
        lvl=10*np.log10(np.mean(P[ctx['act']],axis=0)+1e-10)  # clip speech level per band
        lvl=lvl.mean() # wideband
        ctx['ref']=lvl if ref is None else 0.8*ref+0.2*lvl
        P=P+10**((ctx['ref']-X)/10)
    return 10*np.log10(P+1e-10)
def clipfeat(i, ch, mode, ctx):
    c=data[ch][i]; ctx['act']=act[i]
    lm=transform(c[:,:64].astype(np.float64),mode,ctx)
    a=lm[act[i]]; a=np.concatenate([a,a@D.T,10*np.log10(c[act[i],64:65]**2+1e-10)],1)
    v=c[act[i]]; v=v[v[:,65]>0]; f0=np.log(v[:,65]) if len(v)>3 else np.zeros(1)
    return a,f0
def feat(a,f0,mu,var,fmu):
    an=(a-mu)/np.sqrt(var+1e-6); f=f0-fmu
    q=np.percentile(an,[10,50,90],axis=0)
    return np.concatenate([an.mean(0),an.std(0),q.ravel(),[f.mean(),f.std(),np.percentile(f,90)-np.percentile(f,10) if len(f)>2 else 0,len(f0)/len(a)]])
PERCLIP=os.environ.get('PERCLIP')=='1'
rng=np.random.default_rng(0)
def sessions(mode, chs, mask, reps, n0=300, prior=None):
    per={}
    rows=[];ix=[]
    for rep in range(reps):
        for s in sorted(set(spk)):
            idx=[i for i in range(len(paths)) if spk[i]==s and mask[i] and valid[i]]
            if not idx: continue
            rng.shuffle(idx)
            ch=chs[rng.integers(len(chs))] if isinstance(chs,list) else chs
            n=0;S=0;SS=0;fn=0;fs=0.0; ctx={}
            for i in idx:
                if PERCLIP and isinstance(chs,list): ch=chs[rng.integers(len(chs))]
                a,f0=clipfeat(i,ch,mode,ctx)
                gmu,gvar,gf0=prior
                n+=len(a); S=S+a.sum(0); SS=SS+(a**2).sum(0); fn+=len(f0); fs+=f0.sum()
                mu=(n0*gmu+S)/(n0+n); var=(n0*(gvar+gmu**2)+SS)/(n0+n)-mu**2; fmu=(n0*gf0+fs)/(n0+fn)
                rows.append(feat(a,f0,mu,var,fmu)); ix.append(i)
    return np.array(rows),np.array(ix)
def priorof(mode):
    A=[];F=[]
    for i in np.where(trm&valid)[0][::3]:
        a,f0=clipfeat(i,'clean',mode,{}); A.append(a);F.append(f0)
    A=np.concatenate(A); return A.mean(0),A.var(0),np.concatenate(F).mean()
def mlp(Xtr,ytr):
    mu=Xtr.mean(0);sd=Xtr.std(0)+1e-6
    params=fit_mlp((Xtr-mu)/sd,ytr,ep=60)
    return lambda X: mlp_logits(params,(X-mu)/sd)

LEARN=(lambda X,y: train_lr(X,y,it=2000)) if os.environ.get("M","lr")=="lr" else mlp
for mode in sys.argv[1].split(','):
  pr=priorof(mode)
  for trainch in sys.argv[2].split(','):
    t0=time.time()
    chs=trainch.split('+')
    Ftr,itr=sessions(mode, chs if len(chs)>1 else chs[0], trm, 3 if len(chs)==1 else 6, prior=pr)
    f=LEARN(Ftr,y[itr])
    res=[]
    for ch in CH:
        Fv,iv=sessions(mode,ch,val,1,prior=pr)
        pred=f(Fv).argmax(1)
        res.append('%s %.3f'%(ch,ua(pred,y[iv])))
    print(mode,'train',trainch,' | '.join(res),'(%.0fs)'%(time.time()-t0),flush=True)
