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
CH=['clean','noise10','noise20','phone']
def load(tag):
    meta=[l.split('\t') for l in open(f'.cache/experiments/ch-{tag}.tsv').read().split('\n')]
    X=np.fromfile(f'.cache/experiments/ch-{tag}.f32',dtype=np.float32); o=0; out=[]
    for f,T,D in meta:
        T=int(T);D=int(D); out.append(X[o:o+T*D].reshape(T,D)); o+=T*D
    return [m[0] for m in meta], out
paths,clean=load('clean')
data={'clean':clean}
for c in CH[1:]: data[c]=load(c)[1]
E7=['neutral','happy','sad','angry','fearful','disgust','surprised']
rmap={1:'neutral',2:'neutral',3:'happy',4:'sad',5:'angry',6:'fearful',7:'disgust',8:'surprised'}
emap={'W':'angry','E':'disgust','A':'fearful','F':'happy','T':'sad','N':'neutral','L':None}
lab=[];spk=[];corp=[]
for f in paths:
    b=os.path.basename(f).split('.')[0]
    if 'ravdess' in f:
        p=b.split('-'); lab.append(rmap[int(p[2])]); spk.append('r'+p[6]); corp.append('r')
    else:
        lab.append(emap[b[5]]); spk.append('e'+b[:2]); corp.append('e')
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
def train_lr(Xtr,ytr,lam=1e-2,it=2000,lr=0.1):
    mu=Xtr.mean(0);sd=Xtr.std(0)+1e-6; Xn=(Xtr-mu)/sd
    W=np.zeros((Xn.shape[1],7));b=np.zeros(7)
    cw=np.bincount(ytr,minlength=7); cw=len(ytr)/(7*np.maximum(cw,1)); sw=cw[ytr]
    for _ in range(it):
        z=Xn@W+b; z-=z.max(1,keepdims=True); p=np.exp(z); p/=p.sum(1,keepdims=True)
        p[np.arange(len(ytr)),ytr]-=1; p*=sw[:,None]
        W-=lr*(Xn.T@p/len(ytr)+lam*W); b-=lr*p.mean(0)
    return lambda X: ((X-mu)/sd)@W+b
def ua(pred,yt):
    cs=[c for c in range(7) if (yt==c).any()]
    return np.mean([(pred[yt==c]==c).mean() for c in cs])

def mlp(Xtr,ytr,h=256,ep=60,lr=1e-3,drop=0.5,wd=1e-4,seed=0):
    mu=Xtr.mean(0);sd=Xtr.std(0)+1e-6; Xtr=(Xtr-mu)/sd
    r=np.random.default_rng(seed); d=Xtr.shape[1]
    W1=r.normal(0,np.sqrt(2/d),(d,h));b1=np.zeros(h);W2=r.normal(0,np.sqrt(1/h),(h,7));b2=np.zeros(7)
    params=[W1,b1,W2,b2]; m=[np.zeros_like(p) for p in params]; v=[np.zeros_like(p) for p in params]
    cw=np.bincount(ytr,minlength=7); cw=len(ytr)/(7*np.maximum(cw,1)); t=0
    for e in range(ep):
        perm=r.permutation(len(ytr))
        for s in range(0,len(perm),64):
            b=perm[s:s+64]; x=Xtr[b]+r.normal(0,0.1,Xtr[b].shape); yy=ytr[b]
            z1=x@W1+b1; a1=np.maximum(z1,0); mask=(r.random(a1.shape)>drop)/(1-drop); a1d=a1*mask
            z2=a1d@W2+b2; z2-=z2.max(1,keepdims=True); p=np.exp(z2); p/=p.sum(1,keepdims=True)
            g=p.copy(); g[np.arange(len(yy)),yy]-=1; g*=cw[yy][:,None]/len(yy)
            gW2=a1d.T@g+wd*W2; gb2=g.sum(0); ga1=(g@W2.T)*mask*(z1>0); gW1=x.T@ga1+wd*W1; gb1=ga1.sum(0)
            t+=1
            for i,(pp,gg) in enumerate(zip(params,[gW1,gb1,gW2,gb2])):
                m[i]=0.9*m[i]+0.1*gg; v[i]=0.999*v[i]+0.001*gg*gg
                pp-=lr*(m[i]/(1-0.9**t))/(np.sqrt(v[i]/(1-0.999**t))+1e-8)
    return lambda X: np.maximum(((X-mu)/sd)@W1+b1,0)@W2+b2

LEARN=train_lr if os.environ.get("M","lr")=="lr" else mlp
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
